"""The PRONOTE emulator's own behaviour, over raw HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from datetime import date, datetime, time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from sandbox.app import Sandbox, create_app
from sandbox.pronote import (
    ACCOUNT_PIN,
    PIN_LOGIN,
    PronoteSession,
    _domain,
    _parse_day,
)
from sandbox.pronote.wire import decode_request, encode_reply, hex_encrypt, md5


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(today=date(2026, 11, 18))


@pytest.fixture
async def client(socket_enabled: None, sandbox: Sandbox) -> AsyncGenerator[TestClient]:
    async with TestClient(TestServer(create_app(sandbox), host="127.0.0.1")) as test:
        yield test


async def test_start_pages(client: TestClient, sandbox: Sandbox) -> None:
    spaces = {
        "eleve.html": "a:3",
        "parent.html": "a:2",
        "mobile.eleve.html": "a:6",
        "mobile.parent.html": "a:7",
    }
    for page, space in spaces.items():
        text = await (await client.get(f"/pronote/{page}")).text()
        assert 'id="id_body"' in text
        assert space in text
        assert "CrA:true" in text
        assert ">PRONOTE 2025.2.8" in text
        # pronotepy refuses any page containing "IP" (its IP-ban check).
        assert "IP" not in text
    sandbox.pronote.generation = "2024"
    sandbox.pronote.encrypt = False
    text = await (await client.get("/pronote/eleve.html")).text()
    assert "sCrA:true" in text
    assert "PRONOTE 2024.3.9" in text
    assert len(sandbox.pronote.sessions) == 5


async def test_fault_pages(client: TestClient, sandbox: Sandbox) -> None:
    sandbox.faults.set("pronote", "expired_page", count=1)
    assert "La page a expiré" in await (await client.get("/pronote/eleve.html")).text()
    sandbox.faults.set("pronote", "ip_suspended", count=1)
    response = await client.post("/pronote/appelfonction/3/1/00", json={})
    assert "adresse IP est provisoirement suspendue" in await response.text()


async def test_qr_route_and_accounts(client: TestClient, sandbox: Sandbox) -> None:
    response = await client.get(
        "/pronote/_qr", params={"login": "dana.cohen", "pin": "1234"}
    )
    code = await response.json()
    assert set(code) == {"jeton", "login", "url"}
    assert code["login"] == hex_encrypt(md5(b"1234"), bytes(16), "dana.cohen")
    assert code["url"].endswith("/pronote/mobile.eleve.html")
    bad = await client.get("/pronote/_qr", params={"login": "nobody", "pin": "12"})
    assert bad.status == 400
    accounts = sandbox.pronote.accounts("http://x")
    names = {row["username"]: row for row in accounts}
    assert set(names) == {"dana.cohen", "levi.parent", PIN_LOGIN}
    assert names[PIN_LOGIN]["account_pin"] == ACCOUNT_PIN
    assert names["levi.parent"]["base_url"] == "http://x/pronote/parent.html"
    assert len(names["levi.parent"]["pupils"]) == 2
    assert any(row["portal"] == "pronote" for row in sandbox.accounts("http://x"))


async def _first_call(
    client: TestClient, sandbox: Sandbox, **overrides: object
) -> dict[str, object]:
    await client.get("/pronote/eleve.html")
    h = list(sandbox.pronote.sessions)[-1]
    key = md5(b"")
    order = hex_encrypt(key, bytes(16), "1")
    body = {
        "session": int(h),
        "no": order,
        "id": "FonctionParametres",
        "dataSec": encode_request({"data": {"Uuid": "AAAAAAAAAAAAAAAAAAAAAA=="}}),
    }
    body.update(overrides)
    response = await client.post(f"/pronote/appelfonction/3/{h}/{order}", json=body)
    reply: dict[str, object] = await response.json()
    return reply


def encode_request(payload: object) -> str:
    raw = json.dumps(payload).encode().hex().encode()
    import zlib

    deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
    packed = deflater.compress(raw) + deflater.flush()
    from sandbox.pronote.wire import encrypt

    return encrypt(md5(b""), bytes(16), packed).hex()


async def test_function_endpoint_checks(client: TestClient, sandbox: Sandbox) -> None:
    reply = await _first_call(client, sandbox)
    assert "dataSec" in reply
    assert "Erreur" not in reply
    reply = await _first_call(client, sandbox, no="00")
    assert reply["Erreur"] == {"G": 1, "Titre": "Numéro d'ordre invalide"}
    reply = await _first_call(client, sandbox, dataSec="ABCD")
    assert reply["Erreur"]["G"] == 1  # type: ignore[index]
    reply = await _first_call(client, sandbox, id=None, no=None)
    assert reply["Erreur"]["G"] == 1  # type: ignore[index]
    gone = await client.post("/pronote/appelfonction/3/999/00", json={"no": "00"})
    assert (await gone.json())["Erreur"]["G"] == 10
    junk = await client.post("/pronote/appelfonction/3/999/00", data=b"nope")
    assert junk.status == 400


def test_wire_round_trip_and_helpers() -> None:
    key, iv = md5(b"k"), md5(b"iv")
    sealed = encode_reply({"a": 1}, key, iv, compress=False, crypt=True)
    assert isinstance(sealed, str)
    assert encode_reply({"a": 1}, key, iv, compress=False, crypt=False) == {"a": 1}
    assert decode_request({"a": 1}, key, iv, compress=False, crypt=False) == {"a": 1}
    with pytest.raises(Exception, match="not text"):
        decode_request({"a": 1}, key, iv, compress=True, crypt=True)
    assert _domain("[1,3..5]") == {1, 3, 4, 5}
    assert _domain("[x]") == set()
    assert _parse_day("5/1/2027 0:0:0") == date(2027, 1, 5)
    assert _parse_day("31/02/2027") is None
    assert _parse_day("") is None


def test_menus_are_deterministic(sandbox: Sandbox) -> None:
    day = date(2026, 11, 16)
    assert sandbox.pronote.menu_of(day) == Sandbox(
        today=date(2026, 11, 18)
    ).pronote.menu_of(day)
    assert len(sandbox.pronote.menu_of(day)) == 5


def test_timetable_shapes_and_slot_grids(sandbox: Sandbox) -> None:
    emulator = sandbox.pronote
    session = PronoteSession("1", 3, "student", False, False)
    dana = sandbox.dataset.pupils["p1001"]
    week = {"numeroSemaine": emulator.school.week_of(date(2026, 11, 18))}
    seed = {"Uuid": "AAAAAAAAAAAAAAAAAAAAAA=="}

    def contents(rows: list[dict[str, Any]], genre: int) -> list[dict[str, Any]]:
        return [c for row in rows for c in row["ListeContenus"]["V"] if c["G"] == genre]

    general = emulator._parameters(session, seed)["General"]
    assert (general["PlacesParJour"], general["PlacesParHeure"]) == (8, 1)
    plain = emulator.timetable.week(dana, week)["ListeCours"]
    assert all("DateDuCoursFin" in row and row["duree"] == 1 for row in plain)
    assert all("N" in teacher for teacher in contents(plain, 3))

    emulator.lesson_end = False
    emulator.teacher_ids = False
    emulator.slot_grid = "half_hours"
    general = emulator._parameters(session, seed)["General"]
    assert (general["PlacesParJour"], general["PlacesParHeure"]) == (20, 2)
    # One label more than the day has slots (pronotepy divides by len - 1).
    assert len(general["ListeHeuresFin"]["V"]) == 21
    assert general["ListeHeures"]["V"][2]["L"] == "09h00"
    assert general["ListeHeuresFin"]["V"][2]["L"] == "09h30"
    rows = emulator.timetable.week(dana, week)["ListeCours"]
    assert not any("DateDuCoursFin" in row for row in rows)
    assert contents(rows, 3)
    assert not any("N" in teacher for teacher in contents(rows, 3))
    assert {row["duree"] for row in rows} == {2, 4}  # lessons and double lessons
    assert len(rows) < len(plain)
    for row in rows:
        start = datetime.strptime(row["DateDuCours"]["V"], "%d/%m/%Y %H:%M:%S")
        day, slot = divmod(row["place"], 20)
        assert day == start.weekday()
        assert start.time() == time(8 + slot // 2, 30 * (slot % 2))
