"""ecoledirecte 0.3.1 (package ``ecoledirecte_api``), unchanged, against the emulator.

It takes the server as ``server_endpoint=``. Against 127.0.0.1 aiohttp's
cookie jar keeps no cookie, so it sends the GTK as ``x-gtk`` only: the
emulator does not ask for the cookie.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from sandbox.app import Sandbox
from sandbox.dataset import PARENT_PASSWORD, PUPIL_PASSWORD
from sandbox.ecoledirecte import QCM_LOGIN, QCM_PASSWORD, VERSIONS_SEEN

from .conftest import TODAY

client_module = pytest.importorskip(
    "ecoledirecte_api.client",
    reason="ecoledirecte 0.3.1 needs aiohttp >= 3.14.3; HA 2025.4 pins aiohttp 3.11.16",
)
exceptions = pytest.importorskip("ecoledirecte_api.exceptions")
EDClient = client_module.EDClient
YEAR = "2026-2027"


@pytest.fixture
def endpoint(sandbox_server: TestServer) -> str:
    return str(sandbox_server.make_url("/ecoledirecte/v3"))


async def test_pupil_login_and_reads(endpoint: str, sandbox: Sandbox) -> None:
    dataset = sandbox.dataset
    async with EDClient("dana.cohen", PUPIL_PASSWORD, {}, endpoint) as client:
        answer = await client.login()
        assert answer["code"] == 200
        account = answer["data"]["accounts"][0]
        assert account["typeCompte"] == "E"
        assert account["profile"]["classe"]["libelle"]
        assert {m["code"] for m in account["modules"] if m["enable"]} >= {
            "CAHIER_DE_TEXTES",
            "NOTES",
            "EDT",
            "VIE_SCOLAIRE",
            "MESSAGERIE",
        }
        pupil = account["id"]

        grades = (await client.get_grades_evaluations(pupil, YEAR))["data"]
        assert len(grades["notes"]) == len(dataset.grades("p1001"))
        assert all(isinstance(g["valeur"], str) for g in grades["notes"])
        first = grades["periodes"][0]
        assert first["annuel"] is False
        assert first["ensembleMatieres"]["moyenneGenerale"]
        assert grades["periodes"][-1]["annuel"] is True

        coming = (await client.get_homeworks(pupil))["data"]
        expected = dataset.homework("p1001", start=TODAY)
        assert sum(len(items) for items in coming.values()) == len(expected)
        due = expected[0].due.isoformat()
        day = (await client.get_homeworks_by_date(pupil, due))["data"]
        item = next(entry for entry in day["matieres"] if "aFaire" in entry)
        assert item["aFaire"]["contenu"]
        assert item["aFaire"]["effectue"] is False
        assert (await client.post_homework(pupil, item["id"], True))["code"] == 200
        day = (await client.get_homeworks_by_date(pupil, due))["data"]
        assert [
            e["aFaire"]["effectue"] for e in day["matieres"] if e["id"] == item["id"]
        ] == [True]
        coming = (await client.get_homeworks(pupil))["data"]
        assert [h["effectue"] for h in coming[due] if h["idDevoir"] == item["id"]] == [
            True
        ]
        assert (await client.post_homework(pupil, item["id"], False))["code"] == 200
        coming = (await client.get_homeworks(pupil))["data"]
        assert [h["effectue"] for h in coming[due] if h["idDevoir"] == item["id"]] == [
            False
        ]

        lessons = (await client.get_lessons(pupil, "2026-11-16", "2026-11-20"))["data"]
        assert len(lessons) == sum(
            len(dataset.lessons_on("p1001", day))
            for day in (TODAY.replace(day=d) for d in range(16, 21))
        )
        assert all(lesson["salle"] and lesson["prof"] for lesson in lessons)
        assert {"isAnnule", "start_date", "end_date", "color", "text"} <= set(
            lessons[0]
        )

        life = (await client.get_vie_scolaire(pupil))["data"]
        found = life["absencesRetards"] + life["sanctionsEncouragements"]
        assert len(found) == len(dataset.discipline("p1001"))
        assert all(
            {"date", "typeElement", "displayDate", "justifie", "motif", "libelle"}
            <= set(item)
            for item in found
        )

        box = (await client.get_messages(None, pupil, YEAR))["data"]
        inbox = dataset.messages("dana.cohen")
        assert box["pagination"]["messagesRecusCount"] == len(inbox)
        assert box["pagination"]["messagesRecusNotReadCount"] == sum(
            not m.read for m in inbox
        )
        assert len(box["messages"]["received"]) == min(100, len(inbox))

        spaces = (await client.get_all_espaces_travail(pupil, "E"))["data"]
        assert spaces
        one = (await client.get_espace_travail(spaces[0]["id"], pupil, "E"))["data"]
        assert one["titre"] == spaces[0]["titre"]
        assert (await client.get_postits(spaces[0]["id"]))["code"] == 200
        assert (await client.get_formulaires("E", pupil))["data"] == []
        assert (await client.get_sondages())["code"] == 200
        wallets = (await client.get_all_wallet_balances())["data"]["comptes"]
        assert {"id", "solde", "libelle"} <= set(wallets[0])
    # It keeps the login's token all session long: the emulator never changed it.
    assert sandbox.log.count("ecoledirecte", "v3/login.awp") == 2  # GTK + login


async def test_family_and_children(endpoint: str, sandbox: Sandbox) -> None:
    async with EDClient("levi.parent", PARENT_PASSWORD, {}, endpoint) as client:
        account = (await client.login())["data"]["accounts"][0]
        assert account["typeCompte"] == "1"
        children = account["profile"]["eleves"]
        assert [child["prenom"] for child in children] == ["Noa", "Ari"]
        canteens = [
            {m["code"] for m in child["modules"] if m["enable"]} & {"RESERVATIONS"}
            for child in children
        ]
        assert canteens == [{"RESERVATIONS"}, set()]
        box = (await client.get_messages(account["id"], None, YEAR))["data"]
        assert box["pagination"]["messagesRecusCount"] == len(
            sandbox.dataset.messages("levi.parent")
        )
        for child in children:
            lessons = await client.get_lessons(child["id"], "2026-11-18", "2026-11-18")
            assert lessons["data"]
            assert (await client.get_vie_scolaire(child["id"]))["code"] == 200
        spaces = await client.get_all_espaces_travail(account["id"], 1)
        assert spaces["data"]
        switched = await client.switch_account(account["idLogin"])
        assert switched["code"] == 200
        assert (await client.get_homeworks(children[1]["id"]))["code"] == 200
        # Somebody else's pupil is refused.
        other = sandbox.dataset.pupils["p1001"].number
        with pytest.raises(exceptions.EcoleDirecteException):
            await client.get_vie_scolaire(other)


async def test_security_question(endpoint: str, sandbox: Sandbox) -> None:
    question, choices, answer = sandbox.ecoledirecte.question(QCM_LOGIN)
    async with EDClient(
        QCM_LOGIN, QCM_PASSWORD, {question: [answer]}, endpoint
    ) as client:
        answered = await client.login()
        assert answered["code"] == 200
        assert client.cn
        assert client.cv
        pair = (client.cn, client.cv)
        pupil = answered["data"]["accounts"][0]["id"]
        assert (await client.get_lessons(pupil, "2026-11-18", "2026-11-18"))["data"]
    # 2FA-Token from the 250 answer, sent on the QCM calls and the login after.
    assert sandbox.ecoledirecte.handshake.fa_tokens

    # A new client given the pair still logs in first without it (it sends
    # ``fa`` only after a 250): it is asked again, and answers from its map.
    sandbox.ecoledirecte.versions = VERSIONS_SEEN
    async with EDClient(
        QCM_LOGIN, QCM_PASSWORD, {question: [answer]}, endpoint
    ) as client:
        client.cn, client.cv = pair
        asked_before = sandbox.ecoledirecte.handshake.questions_asked
        assert (await client.login())["code"] == 200
        assert sandbox.ecoledirecte.handshake.questions_asked == asked_before + 1

    # A new question: it stores the choices, tells the callback, fetches again, gives up.
    asked: list[dict[str, Any]] = []

    async def new_question(known: dict[str, Any]) -> None:
        asked.append(dict(known))

    async with EDClient(QCM_LOGIN, QCM_PASSWORD, {}, endpoint) as client:
        client.on_new_question(new_question)
        with pytest.raises(exceptions.QCMException):
            await client.login()
    assert asked[0] == {question: list(choices)}

    # A wrong answer ends in an error, not an endless round of questions.
    wrong = next(choice for choice in choices if choice != answer)
    async with EDClient(
        QCM_LOGIN, QCM_PASSWORD, {question: [wrong]}, endpoint
    ) as client:
        with pytest.raises(exceptions.QCMException):
            await client.login()


async def test_refusals(endpoint: str, sandbox: Sandbox) -> None:
    async with EDClient("dana.cohen", "wrong", {}, endpoint) as client:
        with pytest.raises(exceptions.LoginException):
            await client.login()
    # The GTK pre-flight takes the first count (it answers whatever the fault).
    sandbox.faults.set("ecoledirecte", "school_unavailable", count=2)
    async with EDClient("dana.cohen", PUPIL_PASSWORD, {}, endpoint) as client:
        with pytest.raises(exceptions.EcoleDirecteException):
            await client.login()
    sandbox.ecoledirecte.versions = frozenset({"7.0.1"})
    async with EDClient("dana.cohen", PUPIL_PASSWORD, {}, endpoint) as client:
        with pytest.raises(exceptions.EcoleDirecteException):
            await client.login()
    sandbox.ecoledirecte.versions = frozenset({"4.101.4"})
    async with EDClient("dana.cohen", PUPIL_PASSWORD, {}, endpoint) as client:
        assert (await client.login())["code"] == 200
