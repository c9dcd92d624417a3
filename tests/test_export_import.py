"""The catalog as data: apierrors_export, apierrors_import and the admin's export action."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from apierrors.models import ErrorCode

pytestmark = pytest.mark.django_db


def export(*args: str) -> str:
    out = StringIO()
    call_command("apierrors_export", *args, stdout=out)
    return out.getvalue()


def run_import(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("apierrors_import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(path, problems: int = 1) -> list[str]:
    """The lines apierrors_import reports about a file it refuses, having changed nothing."""
    err = StringIO()
    with pytest.raises(CommandError, match=rf"{problems} problem\(s\) in .*: nothing was imported"):
        call_command("apierrors_import", str(path), stdout=StringIO(), stderr=err)
    return err.getvalue().splitlines()


def entry(data: dict, code: str) -> dict:
    return next(item for item in data["entries"] if item["code"] == code)


def test_export_is_sorted_complete_and_stable():
    text = export()
    data = json.loads(text)

    assert text == export()
    assert text.endswith("}\n")
    assert text == json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert data["catalog"] == "django-apierrors catalog"
    assert data["version"] == 1
    assert data["languages"] == ["en", "fr", "de", "es"]
    codes = [item["code"] for item in data["entries"]]
    assert codes == sorted(codes) == sorted(ErrorCode.objects.values_list("code", flat=True))
    assert entry(data, "invalid_product_id") == {
        "action": {
            "de": entry(data, "invalid_product_id")["action"]["de"],
            "en": "Provide a valid productId in the request.",
            "es": entry(data, "invalid_product_id")["action"]["es"],
            "fr": entry(data, "invalid_product_id")["action"]["fr"],
        },
        "category": "invalid_request",
        "code": "invalid_product_id",
        "doc_url": "",
        "is_active": True,
        "is_draft": False,
        "is_public": True,
        "is_retryable": False,
        "message": {
            "de": "Die Produkt-ID ist ungültig oder fehlt",
            "en": "The Product ID was invalid or missing",
            "es": entry(data, "invalid_product_id")["message"]["es"],
            "fr": "L'ID de produit est invalide ou manquant",
        },
        "status_code": 400,
        "title": {
            "de": "Ungültige Produkt-ID",
            "en": "Invalid Product ID",
            "es": "ID de producto no válido",
            "fr": "ID de produit invalide",
        },
    }


def test_yaml_export_holds_the_same_catalog(tmp_path):
    path = tmp_path / "catalog.yaml"
    call_command("apierrors_export", "--output", str(path), stderr=StringIO())

    assert yaml.safe_load(path.read_text(encoding="utf-8")) == json.loads(export())
    assert path.read_text(encoding="utf-8") == export("--format", "yaml")


@pytest.mark.parametrize("suffix", ["json", "yaml"])
def test_a_round_trip_changes_nothing(tmp_path, suffix):
    path = tmp_path / f"catalog.{suffix}"
    path.write_text(export("--format", suffix), encoding="utf-8")

    out, _ = run_import(str(path))

    assert "Catalog imported: 0 created, 0 updated, 0 staff edits kept, 0 not in the file." in out


def edited_file(tmp_path, edit, suffix="json"):
    data = json.loads(export())
    edit(data)
    path = tmp_path / f"catalog.{suffix}"
    if suffix == "yaml":
        path.write_text(yaml.safe_dump(data, sort_keys=True, allow_unicode=True), encoding="utf-8")
    else:
        path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False), "utf-8")
    return path


def test_import_updates_the_catalog_and_the_next_answer_uses_it(tmp_path, api_key_client):
    def edit(data):
        entry(data, "invalid_product_id")["title"]["fr"] = "Identifiant de produit invalide"

    out, _ = run_import(str(edited_file(tmp_path, edit)))
    response = api_key_client.get("/api/products/nope/", HTTP_ACCEPT_LANGUAGE="fr")

    assert "1 updated" in out
    assert response.json()["title"] == "Identifiant de produit invalide"


def test_dry_run_prints_the_diff_and_changes_nothing(tmp_path):
    def edit(data):
        entry(data, "forbidden")["message"]["fr"] = "Accès refusé."

    before = export()
    out, _ = run_import(str(edited_file(tmp_path, edit)), "--dry-run")

    assert export() == before
    assert "--- catalog (now)\n+++ catalog (after import)\n" in out
    assert '-        "fr": "Permission refusée."\n+        "fr": "Accès refusé."\n' in out
    assert out.endswith(
        "Dry run: 0 created, 1 updated, 0 staff edits kept, 0 not in the file; "
        "nothing was changed.\n"
    )


def test_dry_run_shows_a_new_entry_with_null_for_the_languages_the_file_leaves_out(tmp_path):
    def edit(data):
        title = {"en": "Brand new", "fr": "Tout neuf"}
        data["entries"].append(
            {"code": "brand_new", "status_code": 400, "title": title, "message": "Brand new."}
        )

    out, _ = run_import(str(edited_file(tmp_path, edit)), "--dry-run")

    added = [line[1:] for line in out.splitlines() if line.startswith("+ ")]
    # difflib matches the new entry's closing lines with its neighbour's: the added lines
    # begin with the neighbour's closing ones.
    assert added[:3] == ["      }", "    },", "    {"]
    assert json.loads("{" + "\n".join(added[3:]) + "}}") == {
        "action": {"de": None, "en": None, "es": None, "fr": None},
        "category": "invalid_request",
        "code": "brand_new",
        "doc_url": "",
        "is_active": True,
        "is_draft": False,
        "is_public": True,
        "is_retryable": False,
        "message": {"de": None, "en": "Brand new.", "es": None, "fr": None},
        "status_code": 400,
        "title": {"de": None, "en": "Brand new", "es": None, "fr": "Tout neuf"},
    }
    assert out.endswith(
        "Dry run: 1 created, 0 updated, 0 staff edits kept, 0 not in the file; "
        "nothing was changed.\n"
    )


def test_a_bad_file_is_rejected_with_line_precise_errors_and_changes_nothing(tmp_path):
    data = json.loads(export())
    entry(data, "invalid_product_id")["title"]["fr"] = "Identifiant de produit invalide"
    entry(data, "bad_gateway")["status_code"] = 700
    entry(data, "forbidden")["message"]["it"] = "Vietato"
    entry(data, "not_found")["message"]["en"] = "Missing {thing"
    entry(data, "conflict")["is_public"] = "yes"
    data["entries"].append(dict(entry(data, "conflict"), is_public=True))
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)
    path = tmp_path / "catalog.json"
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()

    def line_of(fragment, after=0):
        return next(n for n, line in enumerate(lines, 1) if n > after and fragment in line)

    before = export()
    with pytest.raises(CommandError, match=r"5 problem\(s\) in .*: nothing was imported"):
        run_import(str(path))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("apierrors_import", str(path), stdout=StringIO(), stderr=err)

    assert export() == before
    reported = err.getvalue().splitlines()
    index: dict[str, int] = {}
    for n, item in enumerate(data["entries"]):
        index.setdefault(item["code"], n)
    conflict = line_of('"code": "conflict"')
    status = line_of('"status_code": 700')
    is_public = line_of('"is_public": "yes"')
    italian = line_of('"it": "Vietato"')
    template = line_of('"en": "Missing {thing"')
    twin = line_of('"code": "conflict"', conflict)
    # In the file's order.
    assert reported == sorted(
        [
            f"{path}:{status}: entries[{index['bad_gateway']}].status_code: "
            "Ensure this value is less than or equal to 599.",
            f"{path}:{is_public}: entries[{index['conflict']}].is_public: must be true or false",
            f"{path}:{italian}: entries[{index['forbidden']}].message.it: "
            "language 'it' is not in LANGUAGES (en, fr, de, es)",
            f"{path}:{template}: entries[{index['not_found']}].message.en: "
            "An opening brace is never closed: {thing",
            f"{path}:{twin}: entries[{len(data['entries']) - 1}].code: "
            f"'conflict' is already defined at line {conflict}",
        ],
        key=lambda line: int(line.split(":")[1]),
    )


def test_invalid_json_and_yaml_report_their_line(tmp_path):
    broken = tmp_path / "catalog.json"
    broken.write_text('{\n  "entries": [\n    {"code": "x",}\n  ]\n}\n', encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("apierrors_import", str(broken), stdout=StringIO(), stderr=err)
    # What follows is the json module's own wording, which Python 3.13 changed.
    assert err.getvalue().startswith(f"{broken}:3: invalid JSON: ")

    bad_yaml = tmp_path / "catalog.yaml"
    bad_yaml.write_text("entries:\n- code: x\n  status_code: 400\n   title: y\n", "utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("apierrors_import", str(bad_yaml), stdout=StringIO(), stderr=err)
    assert err.getvalue().startswith(f"{bad_yaml}:4: invalid YAML:")


def test_yaml_problems_point_at_their_line(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text(
        "catalog: django-apierrors catalog\nversion: 1\nentries:\n"
        "- code: new_code\n  status_code: 400\n  title: {en: New}\n  message: {en: ''}\n",
        encoding="utf-8",
    )
    assert refused(path) == [f"{path}:7: entries[0].message.en: This field cannot be blank."]
    assert not ErrorCode.objects.filter(code="new_code").exists()


def test_staff_edits_are_kept_unless_overwritten(tmp_path):
    staff = ErrorCode.objects.get(code="forbidden")
    staff.message_en = "Ask your administrator for access."
    staff.save()

    def edit(data):
        entry(data, "forbidden")["message"]["en"] = "Access denied by policy."
        entry(data, "forbidden")["title"]["en"] = "Access Denied"

    path = edited_file(tmp_path, edit)
    out, _ = run_import(str(path))
    kept = ErrorCode.objects.get(code="forbidden")

    assert "kept staff edit forbidden.message_en" in out
    assert kept.message_en == "Ask your administrator for access."
    assert kept.title_en == "Access Denied"

    out, _ = run_import(str(path), "--overwrite-staff-edits")

    assert "kept staff edit" not in out
    assert ErrorCode.objects.get(code="forbidden").message_en == "Access denied by policy."


def test_import_creates_new_entries_and_leaves_unmentioned_ones(tmp_path, api_key_client):
    path = tmp_path / "catalog.yaml"
    path.write_text(
        "entries:\n- code: Quota_Exceeded\n  status_code: 429\n  category: rate_limit\n"
        "  title: {en: Quota Exceeded, fr: Quota dépassé}\n"
        "  message: {en: 'You used your {limit} requests.'}\n",
        encoding="utf-8",
    )

    out, _ = run_import(str(path))
    created = ErrorCode.objects.get(code="quota_exceeded")

    assert "1 created, 0 updated" in out
    assert f"{ErrorCode.objects.count() - 1} not in the file" in out
    assert (created.status_code, created.category, created.is_public) == (429, "rate_limit", True)
    assert created.title_fr == "Quota dépassé"
    assert created.message_fr is None
    assert ErrorCode.objects.filter(code="forbidden").exists()


def test_the_admin_exports_the_selected_entries(client):
    admin = User.objects.create_superuser("staff", "staff@example.com", "pw")
    client.force_login(admin)
    chosen = ErrorCode.objects.filter(code__in=["forbidden", "not_found"])

    response = client.post(
        "/admin/apierrors/errorcode/",
        {
            "action": "export_json",
            "_selected_action": [str(pk) for pk in chosen.values_list("pk", flat=True)],
        },
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="apierrors-catalog.json"'
    data = json.loads(response.content)
    assert [item["code"] for item in data["entries"]] == ["forbidden", "not_found"]
    assert entry(data, "forbidden") == entry(json.loads(export()), "forbidden")

    response = client.post(
        "/admin/apierrors/errorcode/",
        {"action": "export_yaml", "_selected_action": [str(chosen.first().pk)]},
    )
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    assert yaml.safe_load(response.content)["entries"][0]["code"] == "forbidden"


# Hostile files ------------------------------------------------------------------------------

# Nine levels of aliases, each naming the one before nine times: 9**9 (387 million) strings
# once composed, from a few hundred bytes.
BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{name}: &{name} [{', '.join([f'*{before}'] * 9)}]\n"
    for before, name in zip("abcdefgh", "bcdefghi", strict=True)
)


def import_in_a_bounded_process(path) -> subprocess.CompletedProcess:
    """apierrors_import in its own process, its address space capped at 512 MB: a file that
    expands in memory ends it instead of the machine, and a hang meets the timeout."""
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (512 * 1024 * 1024, 512 * 1024 * 1024))\n"
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(['django-admin', 'apierrors_import', sys.argv[1]])\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    return subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=Path(__file__).parent.parent,
    )


@pytest.mark.slow
def test_a_yaml_alias_bomb_is_refused_at_its_first_anchor(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    assert len(BILLION_LAUGHS) < 500

    result = import_in_a_bounded_process(path)

    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[:2] == [
        f"{path}:1: anchor &a: YAML anchors and aliases are not allowed in a catalog file",
        f"CommandError: 1 problem(s) in {path}: nothing was imported.",
    ]


def test_yaml_aliases_are_refused_with_their_line(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text(
        "entries:\n- code: quota_exceeded\n  status_code: 429\n  title: Quota\n"
        "  message: *shared\n",
        encoding="utf-8",
    )
    assert refused(path) == [
        f"{path}:5: alias *shared: YAML anchors and aliases are not allowed in a catalog file"
    ]
    assert not ErrorCode.objects.filter(code="quota_exceeded").exists()


TOO_DEEP = "nested deeper than 10 levels; a catalog file needs 4"


@pytest.mark.parametrize(
    ("suffix", "text", "reported"),
    [
        ("json", '{"entries":\n[' + "[" * 100_000 + "]" * 100_000 + "]}", f"2: {TOO_DEEP}"),
        (
            "yaml",
            "entries:\n- " + "[" * 100_000 + "]" * 100_000 + "\n",
            # libyaml's scanner reads ahead and stops at its own limit (1000 levels) first.
            "2: invalid YAML: exceeded maximum nesting depth"
            if yaml.__with_libyaml__
            else f"2: {TOO_DEEP}",
        ),
        (
            "json",
            '{"entries": [\n{"code": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": 1}}}}}}}}}]}',
            f"2: {TOO_DEEP}",
        ),
        (
            "yaml",
            "entries:\n- code:\n   a:\n    b:\n     c:\n      d:\n       e:\n        f:\n"
            "         g:\n          h:\n           i: 1\n",
            f"10: {TOO_DEEP}",
        ),
    ],
)
def test_deep_nesting_is_refused_with_its_line(tmp_path, suffix, text, reported):
    path = tmp_path / f"deep.{suffix}"
    path.write_text(text, encoding="utf-8")
    assert refused(path) == [f"{path}:{reported}"]


def test_ten_levels_are_read_and_reported_as_what_they_are(tmp_path):
    path = tmp_path / "catalog.json"
    path.write_text('{"entries": [{"code": [[[[[[["x"]]]]]]]}]}', encoding="utf-8")
    assert f"{path}:1: entries[0].code: must be a text" in refused(path, problems=4)


def test_a_file_over_10_mib_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "catalog.json"
    with path.open("wb") as stream:
        stream.truncate(10 * 1024 * 1024 + 1)  # sparse: its size says enough
    assert refused(path) == [
        f"{path}:1: the file holds 10485761 bytes; a catalog file may hold at most 10485760 bytes"
    ]


def test_a_pipe_is_read_no_further_than_10_mib(tmp_path):
    fifo = tmp_path / "catalog.json"
    os.mkfifo(fifo)
    written: list[int] = []

    def feed():
        with fifo.open("wb") as stream:
            try:
                for _ in range(40):  # 20 MiB, more than is read
                    stream.write(b" " * (512 * 1024))
                    written.append(1)
            except BrokenPipeError:
                pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    reported = refused(fifo)
    feeder.join(timeout=60)

    assert reported == [
        f"{fifo}:1: the file holds more than 10485760 bytes; a catalog file may hold at "
        "most 10485760 bytes"
    ]
    assert len(written) < 40


def test_a_20_mb_message_is_refused_with_its_file(tmp_path):
    def edit(data):
        entry(data, "forbidden")["message"]["en"] = "m" * 20_000_000

    (reported,) = refused(edited_file(tmp_path, edit))

    assert reported.endswith("a catalog file may hold at most 10485760 bytes")
    assert len(ErrorCode.objects.get(code="forbidden").message_en) < 4000


def test_messages_and_actions_longer_than_4000_characters_are_refused(tmp_path):
    def edit_small(data):
        entry(data, "forbidden")["message"]["fr"] = "m" * 4001
        entry(data, "forbidden")["action"]["en"] = "a" * 5000
        entry(data, "not_found")["title"]["en"] = "t" * 201
        entry(data, "conflict")["message"]["en"] = "c" * 4000

    before = export()
    path = edited_file(tmp_path, edit_small)
    lines = refused(path, problems=3)

    data = json.loads(path.read_text(encoding="utf-8"))
    index = {item["code"]: n for n, item in enumerate(data["entries"])}
    reported = [line.split(": ", 1)[1] for line in lines]
    assert sorted(reported) == sorted(
        [
            f"entries[{index['forbidden']}].message.fr: "
            "Ensure this value has at most 4000 characters (it has 4001).",
            f"entries[{index['forbidden']}].action.en: "
            "Ensure this value has at most 4000 characters (it has 5000).",
            f"entries[{index['not_found']}].title.en: "
            "Ensure this value has at most 200 characters (it has 201).",
        ]
    )
    assert export() == before


def test_control_characters_of_a_file_reach_the_terminal_escaped(tmp_path):
    path = tmp_path / "catalog.json"
    path.write_text(
        '{"entries": [{"code": "x", "\\u001b]0;owned\\u0007\\u001b[2J": 1,'
        ' "status_code": 400, "title": "T", "message": "M"},\n'
        ' {"code": "y", "status_code": 400, "title": "T", "message": "M {\\u009b31m"}]}',
        encoding="utf-8",
    )
    reported = refused(path, problems=2)

    assert not any(char in line for line in reported for char in "\x1b\x07\x9b")
    assert (
        f"{path}:1: entries[0].\\x1b]0;owned\\x07\\x1b[2J: "
        "unknown field '\\x1b]0;owned\\x07\\x1b[2J'" in reported
    )
    assert (
        f"{path}:2: entries[1].message.en: An opening brace is never closed: {{\\x9b31m" in reported
    )
