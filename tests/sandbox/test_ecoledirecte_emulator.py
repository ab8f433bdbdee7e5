"""The EcoleDirecte emulator over raw HTTP: bodies, GTK, login, QCM, tokens, data."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncGenerator
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient, TestServer

from sandbox.app import Sandbox, create_app
from sandbox.dataset import PARENT_PASSWORD, PUPIL_PASSWORD, Login
from sandbox.ecoledirecte import (
    QCM_LOGIN,
    QCM_PASSWORD,
    SESSION_TTL,
    SPECIAL_MARKS,
    EdError,
    parse_body,
)

API = "/ecoledirecte/v3"
TODAY = date(2026, 11, 18)
DANA = 1001  # the pupil's registration number is her id


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(today=TODAY)


@pytest.fixture
async def client(sandbox_server: TestServer) -> AsyncGenerator[TestClient]:
    async with TestClient(sandbox_server) as test_client:
        yield test_client


async def post(
    client: TestClient,
    path: str,
    body: str | dict[str, Any] | None = None,
    *,
    token: str = "",
    headers: dict[str, str] | None = None,
    **query: str,
) -> tuple[dict[str, Any], dict[str, str]]:
    """One call: the JSON answer and the reply's headers."""
    data = body if isinstance(body, str) or body is None else f"data={json.dumps(body)}"
    sent = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    if token:
        sent["X-Token"] = token
    response = await client.post(
        f"{API}/{path}", data=data or "", headers=sent, params={"v": "7.0.1", **query}
    )
    assert response.status == 200
    assert response.content_type == "application/json"
    answer: dict[str, Any] = json.loads(await response.text())
    return answer, dict(response.headers)


async def login(
    client: TestClient,
    username: str = "dana.cohen",
    password: str = PUPIL_PASSWORD,
    **extra: Any,
) -> dict[str, Any]:
    """A GTK, then a login with it; the whole answer."""
    await client.get(f"{API}/login.awp", params={"gtk": "1", "v": "4.101.4"})
    gtk = client.session.cookie_jar.filter_cookies(client.make_url("/"))
    answer, headers = await post(
        client,
        "login.awp",
        {"identifiant": username, "motdepasse": quote(password), **extra},
        headers={"X-Gtk": gtk["GTK"].value if "GTK" in gtk else ""},
    )
    assert answer["token"] == headers["X-Token"]
    return answer


async def answer_with(
    client: TestClient,
    choice: str,
    *,
    token: str = "",
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Post a security answer (base64, as the web app does); the whole answer."""
    answer, _ = await post(
        client,
        "connexion/doubleauth.awp",
        {"choix": base64.b64encode(choice.encode()).decode()},
        token=token,
        headers=headers,
        verbe="post",
    )
    return answer


async def token_of(client: TestClient, username: str = "dana.cohen", **kw: Any) -> str:
    answer = await login(client, username, **kw)
    assert answer["code"] == 200
    return str(answer["token"])


def test_bodies_as_every_client_writes_them() -> None:
    assert parse_body(b"") == {}
    assert parse_body(b"data=") == {}
    assert parse_body(b'data={"a": "\\u00e9"}') == {"a": "é"}
    assert parse_body(b"data=%7B%22a%22%3A+%22b+c%22%7D") == {"a": "b c"}
    assert parse_body(
        b"data={'dateDebut': '2026-11-16','dateFin': 'it\\'s','avecTrous': false}"
    ) == {"dateDebut": "2026-11-16", "dateFin": "it's", "avecTrous": False}
    assert parse_body(b"""data={"q": "it's", 'r': "x"}""") == {"q": "it's", "r": "x"}
    for bad in (b"data={'open", b"data=[1]", b"data=nonsense"):
        with pytest.raises(EdError) as caught:
            parse_body(bad)
        assert caught.value.code == 522


def test_gtks_kept_are_few(sandbox: Sandbox) -> None:
    handshake = sandbox.ecoledirecte.handshake
    for _ in range(300):
        handshake.gtk()
    assert len(handshake.gtks) == 256


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_gtk_cookie_without_domain_or_secure(
    client: TestClient, method: str
) -> None:
    response = await client.request(method, f"{API}/login.awp?gtk=1&v=7.0.1")
    cookies = response.headers.getall("Set-Cookie")
    assert len(cookies) == 2
    assert cookies[0].startswith("GTK=")
    value = cookies[0].split(";")[0].split("=", 1)[1]
    assert cookies[1].split(";")[0].endswith(f"={value}")
    assert not any("domain" in c.lower() or "secure" in c.lower() for c in cookies)


async def test_logins_and_refusals(client: TestClient, sandbox: Sandbox) -> None:
    answer = await login(client)
    account = answer["data"]["accounts"][0]
    assert (account["typeCompte"], account["id"], account["prenom"]) == (
        "E",
        DANA,
        "Dana",
    )
    assert account["profile"]["classe"]["code"] == "8A"
    # Escaped JSON, another spelling of isReLogin, a name in capitals.
    raw = 'data={"identifiant": "Dana.Cohen", "motdepasse": "sandbox%2Dpupil", "isRelogin": false}'
    assert (await post(client, "login.awp", raw))[0]["code"] == 200
    whole = "data=" + quote(
        json.dumps({"identifiant": "dana.cohen", "motdepasse": PUPIL_PASSWORD})
    )
    assert (await post(client, "login.awp", whole))[0]["code"] == 200

    for username, password, message in (
        ("nobody", PUPIL_PASSWORD, "Identifiant et/ou mot de passe invalide !"),
        ("dana.cohen", "wrong", "Mot de passe invalide !"),
    ):
        refused = await login(client, username, password)
        assert refused == {
            "code": 505,
            "token": "",
            "message": message,
            "data": {"changementMDP": False, "nbJourMdpExire": 0, "accounts": []},
            "host": "HTTP5",
        }
    sandbox.faults.set("ecoledirecte", "password_changed")
    assert (await login(client))["code"] == 505


async def test_family_account(client: TestClient) -> None:
    account = (await login(client, "levi.parent", PARENT_PASSWORD))["data"]["accounts"][
        0
    ]
    assert account["typeCompte"] == "1"
    assert {m["code"] for m in account["modules"]} >= {"MESSAGERIE", "DOCUMENTS"}
    children = account["profile"]["eleves"]
    assert [(c["prenom"], c["classe"]["code"]) for c in children] == [
        ("Noa", "9B"),
        ("Ari", "7A"),
    ]
    lunch = [
        {m["code"]: m["enable"] for m in child["modules"]}["RESERVATIONS"]
        for child in children
    ]
    assert lunch == [True, False]


async def test_security_question(client: TestClient, sandbox: Sandbox) -> None:
    emulator = sandbox.ecoledirecte
    question, choices, answer = emulator.question(QCM_LOGIN)
    assert answer in choices
    asked = await login(client, QCM_LOGIN, QCM_PASSWORD, uuid="device-1")
    assert asked["code"] == 250
    temporary = asked["token"]
    fa_token = emulator.handshake.fa_tokens and next(iter(emulator.handshake.fa_tokens))
    assert fa_token
    # The temporary token reads nothing.
    assert (await post(client, f"E/{DANA}/emploidutemps.awp", {}, token=temporary))[0][
        "code"
    ] == 520
    # No body: bad parameters. 2FA-Token alone is enough.
    empty, _ = await post(
        client,
        "connexion/doubleauth.awp",
        None,
        headers={"2FA-Token": fa_token},
        verbe="get",
    )
    assert empty["code"] == 225
    got, headers = await post(
        client,
        "connexion/doubleauth.awp",
        {},
        headers={"2FA-Token": fa_token},
        verbe="get",
    )
    assert got["code"] == 200
    assert got["token"] == headers["X-Token"] == temporary
    assert base64.b64decode(got["data"]["question"]).decode() == question
    assert [base64.b64decode(p).decode() for p in got["data"]["propositions"]] == list(
        choices
    )
    wrong = next(choice for choice in choices if choice != answer)
    refused = await answer_with(client, wrong, token=temporary)
    assert refused["code"] == 505
    assert "data" not in refused
    assert (
        await post(
            client,
            "connexion/doubleauth.awp",
            {"choix": "x"},
            token=temporary,
            verbe="put",
        )
    )[0]["code"] == 225
    right = await answer_with(client, answer, token=temporary)
    pair = right["data"]
    assert set(pair) == {"cn", "cv"}
    assert (await login(client, QCM_LOGIN, QCM_PASSWORD, fa=[pair]))["code"] == 200
    assert (await login(client, QCM_LOGIN, QCM_PASSWORD, **pair))["code"] == 200
    # The device that answered is known; another is asked; a forged pair is not a pass.
    assert (await login(client, QCM_LOGIN, QCM_PASSWORD, uuid="device-1"))[
        "code"
    ] == 200
    assert (await login(client, QCM_LOGIN, QCM_PASSWORD, uuid="device-2"))[
        "code"
    ] == 250
    forged = {"cn": pair["cn"], "cv": "forged"}
    assert (await login(client, QCM_LOGIN, QCM_PASSWORD, fa=[forged, None]))[
        "code"
    ] == 250
    # Nor is another login's pair.
    assert (await login(client, "dana.cohen", PUPIL_PASSWORD, fa=[pair]))["code"] == 200
    assert (await post(client, "connexion/doubleauth.awp", {}, verbe="get"))[0][
        "code"
    ] == 520

    emulator.lock_after = 1
    asked = await login(client, QCM_LOGIN, QCM_PASSWORD)
    await answer_with(client, wrong, token=asked["token"])
    locked = await login(client, QCM_LOGIN, QCM_PASSWORD, fa=[pair])
    assert locked["code"] == 505
    (row,) = [
        row
        for row in sandbox.accounts()
        if row["portal"] == "ecoledirecte" and row["username"] == QCM_LOGIN
    ]
    assert row["security_answer"] == answer


async def test_two_factor_fault_asks_any_login(
    client: TestClient, sandbox: Sandbox
) -> None:
    sandbox.faults.set("ecoledirecte", "two_factor")
    asked = await login(client)
    assert asked["code"] == 250
    _, _, answer = sandbox.ecoledirecte.question("dana.cohen")
    pair = (await answer_with(client, answer, token=asked["token"]))["data"]
    # The pair it gave counts while the fault lasts.
    assert (await login(client, fa=[pair]))["code"] == 200
    assert (await login(client, fa=[pair]))["code"] == 200
    sandbox.faults.clear()
    assert (await login(client))["code"] == 200


async def test_tokens(client: TestClient, sandbox: Sandbox) -> None:
    token = await token_of(client)
    answer, headers = await post(client, f"eleves/{DANA}/timeline.awp", {}, token=token)
    assert answer["token"] == headers["X-Token"] == token
    assert answer["data"]
    assert (await post(client, f"eleves/{DANA}/timeline.awp", {}, token="nonsense"))[0][
        "code"
    ] == 520
    emulator = sandbox.ecoledirecte
    now = [0.0]
    emulator.clock = lambda: now[0]
    token = await token_of(client)
    now[0] = SESSION_TTL + 1
    expired, _ = await post(client, f"eleves/{DANA}/timeline.awp", {}, token=token)
    assert (expired["code"], expired["token"]) == (525, "")
    token = await token_of(client)
    sandbox.faults.set("ecoledirecte", "expire_sessions")
    assert (await post(client, f"eleves/{DANA}/timeline.awp", {}, token=token))[0][
        "code"
    ] == 525
    # A relogin by the account's access token (pydirecte's refresh).
    account = (await login(client))["data"]["accounts"][0]
    again = await login(
        client,
        "dana.cohen",
        "???",
        isReLogin=True,
        accesstoken=account["accessToken"],
        fa=[None],
        typeCompte="E",
    )
    assert again["code"] == 200
    bad = await login(client, "dana.cohen", "???", isReLogin=True, accesstoken="x")
    assert bad["code"] == 505
    switched, headers = await post(
        client, "renewtoken.awp", {"idUser": account["idLogin"], "uuid": ""},
        token=again["token"], verbe="post",
    )  # fmt: skip
    assert switched["code"] == 200
    assert headers["X-Token"] == again["token"]


async def test_strict_mode(client: TestClient, sandbox: Sandbox) -> None:
    emulator = sandbox.ecoledirecte
    emulator.strict = True
    no_gtk, _ = await post(
        client, "login.awp", {"identifiant": "dana.cohen", "motdepasse": PUPIL_PASSWORD}
    )
    assert no_gtk["code"] == 505
    token = await token_of(client)
    other = {"User-Agent": "Another browser"}
    assert (
        await post(
            client, f"eleves/{DANA}/timeline.awp", {}, token=token, headers=other
        )
    )[0]["code"] == 525
    asked = await login(client, QCM_LOGIN, QCM_PASSWORD)
    temporary = asked["token"]
    fa_token = next(iter(emulator.handshake.fa_tokens))
    # X-Token alone no longer opens the question.
    assert (
        await post(client, "connexion/doubleauth.awp", {}, token=temporary, verbe="get")
    )[0]["code"] == 520
    _, _, answer = emulator.question(QCM_LOGIN)
    pair = (await answer_with(client, answer, headers={"2FA-Token": fa_token}))["data"]
    # After the 250, the login must carry its 2FA-Token.
    await client.get(f"{API}/login.awp?gtk=1")
    gtk = client.session.cookie_jar.filter_cookies(client.make_url("/"))["GTK"].value
    body = {"identifiant": QCM_LOGIN, "motdepasse": QCM_PASSWORD, "fa": [pair]}
    without = {"X-Gtk": gtk}
    assert (await post(client, "login.awp", body, token=temporary, headers=without))[0][
        "code"
    ] == 250
    asked = await login(client, QCM_LOGIN, QCM_PASSWORD)
    fa_token = list(emulator.handshake.fa_tokens)[-1]
    headers = {"X-Gtk": gtk, "2FA-Token": fa_token}
    assert (
        await post(client, "login.awp", body, token=asked["token"], headers=headers)
    )[0]["code"] == 200


async def test_versions_and_code_faults(client: TestClient, sandbox: Sandbox) -> None:
    emulator = sandbox.ecoledirecte
    token = await token_of(client)
    emulator.versions = frozenset({"4.101.4"})
    refused, _ = await post(client, f"eleves/{DANA}/timeline.awp", {}, token=token)
    assert refused["code"] == 517
    emulator.versions = None
    sandbox.faults.set("ecoledirecte", "version_refused", count=1)
    assert (await post(client, f"eleves/{DANA}/timeline.awp", {}, token=token))[0][
        "code"
    ] == 517
    sandbox.faults.set("ecoledirecte", "school_unavailable", count=2)  # GTK, login
    closed = await login(client)
    assert (closed["code"], closed["data"]) == (535, {})
    assert (await login(client))["code"] == 200


async def test_timetable(client: TestClient, sandbox: Sandbox) -> None:
    dataset = sandbox.dataset
    token = await token_of(client)
    week = [TODAY + timedelta(days=n) for n in range(-2, 3)]
    cancelled = dataset.cancel_lesson(
        "p1001", TODAY, dataset.lessons_on("p1001", TODAY)[0].hour
    )
    body = (
        f"data={{'dateDebut': '{week[0]}','dateFin': '{week[-1]}','avecTrous': false}}"
    )
    lessons = (await post(client, f"E/{DANA}/emploidutemps.awp", body, token=token))[0][
        "data"
    ]
    assert len(lessons) == len(
        dataset.lessons("p1001", week[0], week[-1] + timedelta(days=1))
    )
    by_start = {lesson["start_date"]: lesson for lesson in lessons}
    assert by_start[cancelled.start.strftime("%Y-%m-%d %H:%M")]["isAnnule"] is True
    changed = [x for d in week for x in dataset.lessons_on("p1001", d) if x.changed]
    assert [
        by_start[x.start.strftime("%Y-%m-%d %H:%M")]["isModifie"] for x in changed
    ] == [True] * len(changed)
    one = {"dateDebut": TODAY.isoformat()}
    assert len(
        (await post(client, f"E/{DANA}/emploidutemps.awp", one, token=token))[0]["data"]
    ) == len(dataset.lessons_on("p1001", TODAY))
    for bad in (
        {"dateDebut": "soon"},
        {"dateDebut": "2026-11-20", "dateFin": "2026-11-16"},
    ):
        assert (await post(client, f"E/{DANA}/emploidutemps.awp", bad, token=token))[0][
            "data"
        ] == []


async def test_homework_and_done_marks(client: TestClient, sandbox: Sandbox) -> None:
    dataset = sandbox.dataset
    token = await token_of(client)
    added = dataset.add_homework("p1001", description="Page 42\nAnd page 43")
    coming = (await post(client, f"Eleves/{DANA}/cahierdetexte.awp", {}, token=token))[
        0
    ]["data"]
    ids = {item["idDevoir"] for items in coming.values() for item in items}
    assert len(ids) == len(dataset.homework("p1001", start=TODAY))
    path = f"Eleves/{DANA}/cahierdetexte/{added.due}.awp"
    day = (await post(client, path, {}, token=token))[0]["data"]
    entry = next(
        e
        for e in day["matieres"]
        if "aFaire" in e
        and e["aFaire"]["contenu"]
        == base64.b64encode(b"<p>Page 42</p><p>And page 43</p>").decode()
    )
    assert entry["id"] in ids
    assert all("contenuDeSeance" in e for e in day["matieres"])
    put = f"Eleves/{DANA}/cahierdetexte.awp"
    for body, done in (
        ({"idDevoirsEffectues": [entry["id"]], "idDevoirsNonEffectues": [None]}, True),
        ({"idDevoirsEffectues": [None], "idDevoirsNonEffectues": [entry["id"]]}, False),
        ({"idDevoirsEffectues": entry["id"], "idDevoirsNonEffectues": ["x", 1]}, True),
    ):
        assert (await post(client, put, body, token=token, verbe="put"))[0][
            "code"
        ] == 200
        day = (await post(client, path, {}, token=token))[0]["data"]
        assert [
            e["aFaire"]["effectue"] for e in day["matieres"] if e["id"] == entry["id"]
        ] == [done]
    assert sandbox.ecoledirecte.done("p1001") == {added.uid: True}
    # The lesson it is due at says so.
    span = {"dateDebut": added.due.isoformat(), "dateFin": added.due.isoformat()}
    lessons = (await post(client, f"E/{DANA}/emploidutemps.awp", span, token=token))[0]
    subject = sandbox.ecoledirecte.school.subject_name(added.subject)
    assert any(x["devoirAFaire"] for x in lessons["data"] if x["matiere"] == subject)
    assert (
        await post(client, f"Eleves/{DANA}/cahierdetexte/soon.awp", {}, token=token)
    )[0]["code"] == 512


async def test_nothing_due_is_an_empty_object(socket_enabled: None) -> None:
    sandbox = Sandbox(today=date(2027, 7, 14))
    async with TestClient(TestServer(create_app(sandbox), host="127.0.0.1")) as client:
        token = await token_of(client)
        answer = (
            await post(client, f"Eleves/{DANA}/cahierdetexte.awp", {}, token=token)
        )[0]
        assert answer["data"] == {}


async def test_grades(client: TestClient, sandbox: Sandbox) -> None:
    token = await token_of(client)
    data = (
        await post(
            client, f"eleves/{DANA}/notes.awp", {"anneeScolaire": ""}, token=token
        )
    )[0]["data"]
    values = [note["valeur"] for note in data["notes"]]
    assert [values[i] for i in sorted(SPECIAL_MARKS)] == [
        SPECIAL_MARKS[i] for i in sorted(SPECIAL_MARKS)
    ]
    numbers = [
        float(v.replace(",", ".")) for v in values if v not in SPECIAL_MARKS.values()
    ]
    assert all(0 <= n <= 20 for n in numbers)
    first = data["periodes"][0]
    assert first["ensembleMatieres"]["moyenneGenerale"]
    assert [p["annuel"] for p in data["periodes"]] == [False, False, False, True]
    assert data["parametrage"]["moyenneSur"] == 20


async def test_school_life(client: TestClient, sandbox: Sandbox) -> None:
    dataset = sandbox.dataset
    dataset.add_discipline_event("p1001", "praise", description="Bravo")
    dataset.add_discipline_event("p1001", "punishment", description="Oubli")
    token = await token_of(client)
    life = (await post(client, f"eleves/{DANA}/viescolaire.awp", {}, token=token))[0][
        "data"
    ]
    kinds = [
        x["typeElement"]
        for x in life["absencesRetards"] + life["sanctionsEncouragements"]
    ]
    assert len(kinds) == len(dataset.discipline("p1001"))
    assert "Encouragement" in kinds
    assert any("<BR>" in x["dateDeroulement"] for x in life["sanctionsEncouragements"])
    sandbox.ecoledirecte.records.encouragements_visible = False
    life = (await post(client, f"eleves/{DANA}/viescolaire.awp", {}, token=token))[0][
        "data"
    ]
    assert "Encouragement" not in {
        x["typeElement"] for x in life["sanctionsEncouragements"]
    }
    assert life["parametrage"]["encouragementsVisible"] is False


async def test_messages_documents_and_downloads(
    client: TestClient, sandbox: Sandbox
) -> None:
    dataset = sandbox.dataset
    token = await token_of(client, "levi.parent", password=PARENT_PASSWORD)
    account = sandbox.ecoledirecte.school
    family = account.family_id(dataset.logins["levi.parent"])
    inbox = dataset.messages("levi.parent")
    page = {"getAll": "0", "itemsPerPage": "50", "page": "2", "verbe": "get"}
    box = (
        await post(client, f"familles/{family}/messages.awp", {}, token=token, **page)
    )[0]["data"]
    assert len(box["messages"]["received"]) == len(inbox) - 100
    every = (
        await post(
            client, f"familles/{family}/messages.awp", {}, token=token, getAll="1"
        )
    )[0]["data"]
    received = every["messages"]["received"]
    assert [m["id"] for m in received] == [m.id for m in inbox]
    assert all(m["content"] == "" for m in received)
    unread = next(m for m in received if not m["read"])
    one = (
        await post(
            client,
            f"familles/{family}/messages/{unread['id']}.awp",
            {},
            token=token,
            mode="destinataire",
        )
    )[0]["data"]
    assert base64.b64decode(one["content"]).decode().startswith("<p>")
    after = (
        await post(
            client, f"familles/{family}/messages.awp", {}, token=token, getAll="1"
        )
    )[0]["data"]
    assert (
        after["pagination"]["messagesRecusNotReadCount"]
        == every["pagination"]["messagesRecusNotReadCount"] - 1
    )
    subject = received[0]["subject"]
    found = (
        await post(
            client,
            f"familles/{family}/messages.awp",
            {},
            token=token,
            query=subject[:8],
            getAll="1",
        )
    )[0]["data"]
    assert all(
        subject[:8].casefold() in m["subject"].casefold()
        for m in found["messages"]["received"]
    )
    assert (await post(client, f"familles/{family}/messages/1.awp", {}, token=token))[
        0
    ]["code"] == 512

    attached = next(m for m in received if m["files"])
    download = await client.post(
        f"{API}/telechargement.awp",
        params={"verbe": "get", "fichierId": str(attached["files"][0]["id"])},
        data='data={"forceDownload": 0}',
        headers={"X-Token": token},
    )
    assert download.content_type == "application/pdf"
    assert (await download.read()).startswith(b"%PDF")
    documents = (
        await post(
            client,
            "familledocuments.awp",
            {"forceDownload": 0},
            token=token,
            archive="",
        )
    )[0]["data"]
    children = {
        item["idEleve"]
        for kind in ("notes", "viescolaire", "administratifs")
        for item in documents[kind]
    }
    assert len(children) == 2
    paper = documents["administratifs"][0]
    download = await client.post(
        f"{API}/telechargement.awp?verbe=get&fichierId={paper['id']}&leTypeDeFichier=",
        headers={"X-Token": token},
    )
    assert (await download.read()).startswith(b"%PDF")
    for bad in ("12", "x"):
        missing, _ = await post(
            client, "telechargement.awp", {}, token=token, fichierId=bad
        )
        assert missing["code"] == 512


async def test_access_and_the_rest(client: TestClient, sandbox: Sandbox) -> None:
    dataset = sandbox.dataset
    token = await token_of(client)
    noa = dataset.pupils["p1002"].number
    assert (await post(client, f"eleves/{noa}/notes.awp", {}, token=token))[0][
        "code"
    ] == 403
    assert (await post(client, f"1/{noa}/espacestravail.awp", {}, token=token))[0][
        "code"
    ] == 403
    assert (await post(client, "nowhere.awp", {}, token=token))[0]["code"] == 512
    spaces = (
        await post(
            client,
            f"E/{DANA}/espacestravail.awp",
            {},
            token=token,
            typeModule="espaceTravail",
        )
    )[0]["data"]
    assert [s["type"] for s in spaces] == ["LIBRE", "LIBRE"]
    assert base64.b64decode(spaces[0]["resume"]).decode().startswith("<p>")
    one = (
        await post(
            client, f"E/{DANA}/espacestravail/{spaces[1]['id']}.awp", {}, token=token
        )
    )[0]
    assert one["data"]["titre"] == "Classe de 8A"
    assert (await post(client, f"E/{DANA}/espacestravail/1.awp", {}, token=token))[0][
        "code"
    ] == 512
    home = (await post(client, f"E/{DANA}/timelineAccueilCommun.awp", {}, token=token))[
        0
    ]["data"]
    assert home["postits"]
    # Shown during the break only: nothing to see on a term-time day.
    assert all(
        date.fromisoformat("-".join(reversed(p["dateDebut"].split("/")))) > TODAY
        for p in home["postits"]
    )
    assert base64.b64decode(home["postits"][0]["contenu"]).decode().startswith("<p>")
    timeline = (await post(client, f"eleves/{DANA}/timeline.awp", {}, token=token))[0][
        "data"
    ]
    assert {item["typeElement"] for item in timeline} == {"Note", "Actualite"}
    for path, verb, expected in (
        ("edforms.awp", "list", []),
        ("rdt/sondages.awp", "get", []),
        (f"eleves/{DANA}/visios.awp", "get", []),
        ("Classes/1/viedelaclasse.awp", "get", {}),
        (f"W/{spaces[0]['id']}/postits.awp", "get", []),
    ):
        assert (await post(client, path, {}, token=token, verbe=verb))[0][
            "data"
        ] == expected
    wallets = (await post(client, "comptes/sansdetails.awp", {}, token=token))[0][
        "data"
    ]
    assert wallets["comptes"][0]["idEleve"] == DANA
    assert sandbox.ecoledirecte.calls[-1] == "comptes/sansdetails.awp"
    assert sandbox.ecoledirecte.school.lunch_days(dataset.pupils["p1003"]) == []
    assert sandbox.ecoledirecte.school.lunch_days(dataset.pupils["p1001"])
    assert (await post(client, f"eleves/{DANA}/notes.awp", "data={oops", token=token))[
        0
    ]["code"] == 522


def test_a_login_the_dataset_lacks_has_no_mail(sandbox: Sandbox) -> None:
    school = sandbox.ecoledirecte.school
    stranger = Login("x", "y", "student", ("p1004",), "A", "B", "A", "B")
    assert school.messages(stranger) == []
    assert school.notifications(stranger) == []


def test_account_rows(sandbox: Sandbox) -> None:
    rows = [
        r for r in sandbox.accounts("http://sandbox") if r["portal"] == "ecoledirecte"
    ]
    assert [(r["username"], r["kind"]) for r in rows] == [
        ("dana.cohen", "student"),
        ("levi.parent", "parent"),
        (QCM_LOGIN, "student"),
    ]
    assert {r["base_url"] for r in rows} == {"http://sandbox/ecoledirecte/v3"}
    assert ["security_answer" in r for r in rows] == [False, False, True]
    assert [p["id"] for p in rows[1]["pupils"]] == [
        str(sandbox.dataset.pupils[p].number) for p in ("p1002", "p1003")
    ]
    assert sandbox.ecoledirecte.index_line("http://sandbox") == (
        "EcoleDirecte: http://sandbox/ecoledirecte/v3/login.awp"
    )
