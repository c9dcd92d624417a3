"""The shipped languages: complete catalogs, the admin per language, translated checks and
validators' messages, and a French edit reaching the next French request."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
import pytest
from django.contrib.staticfiles import finders
from django.core.checks import run_checks
from django.utils import translation

from apierrors.catalog.defaults import DEFAULT_ENTRIES
from apierrors.i18n import shipped_translation
from apierrors.models import TRANSLATED_FIELDS, ErrorCode
from tests.conftest import log_row
from tests.sites.helpers import admin_form, fresh_thread_language, with_locale_middleware  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "apierrors" / "locale"
SHIPPED = ("fr", "de", "es")
GETTEXT_CALLS = {"_", "gettext", "gettext_lazy", "gettext_noop", "pgettext", "pgettext_lazy"}


@pytest.fixture
def locale_middleware(settings):
    settings.MIDDLEWARE = with_locale_middleware(settings.MIDDLEWARE)


# The catalogs ------------------------------------------------------------------------------------


def marked_strings() -> dict[str, str]:
    """Every string the app marks for translation -> the file marking it (as makemessages reads)."""
    marked: dict[str, str] = {}
    for path in sorted((ROOT / "apierrors").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[-1] if name and name.startswith("p") else node.args[0]
            if name in GETTEXT_CALLS and isinstance(first, ast.Constant) and first.value:
                marked.setdefault(first.value, str(path.relative_to(ROOT)))
    return marked


def catalog(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"\{[A-Za-z_][A-Za-z0-9_]*(?:![rsa])?\}|%\([a-z_]+\)[sd]", text))


@pytest.mark.parametrize("language", SHIPPED)
def test_every_marked_string_is_in_the_catalog(language):
    msgids = {entry.msgid for entry in catalog(language) if not entry.obsolete}

    missing = {text: path for text, path in marked_strings().items() if text not in msgids}

    assert not missing, (
        "Run `django-admin makemessages -l fr -l de -l es --add-location=file` in apierrors/, "
        f"translate, then `django-admin compilemessages`: {missing}"
    )


@pytest.mark.parametrize("language", SHIPPED)
def test_every_msgid_is_translated_keeping_its_placeholders(language):
    po = catalog(language)
    entries = [entry for entry in po if not entry.obsolete]

    assert len(entries) >= len(marked_strings())
    assert [e.msgid for e in entries if not e.msgstr or "fuzzy" in e.flags] == []
    assert [e.msgid for e in entries if placeholders(e.msgid) != placeholders(e.msgstr)] == []
    assert po.metadata["Language"] == language


@pytest.mark.parametrize("language", SHIPPED)
def test_the_compiled_catalog_is_the_current_one(language):
    source = {e.msgid: e.msgstr for e in catalog(language) if not e.obsolete}
    compiled = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))

    assert {e.msgid: e.msgstr for e in compiled} == source


@pytest.mark.django_db
@pytest.mark.parametrize("language", SHIPPED)
def test_every_default_entry_is_loaded_in_every_shipped_language(language):
    rows = {row.code: row for row in ErrorCode.objects.rewrite(False).all()}

    for entry in DEFAULT_ENTRIES:
        row = rows[str(entry["code"])]
        for field in TRANSLATED_FIELDS:
            english = str(entry[field])
            text = getattr(row, f"{field}_{language}")
            assert bool(text) == bool(english), (entry["code"], field)
            if english:
                # The site's gettext catalogs as Django merges them (apps listed first win).
                assert text == shipped_translation(english, language), (entry["code"], field)


# Check messages -------------------------------------------------------------------------------------


def default_msgids() -> set[str]:
    return {str(e[field]) for e in DEFAULT_ENTRIES for field in TRANSLATED_FIELDS} - {""}


def apierrors_checks() -> list:
    return [m for m in run_checks() if m.id and m.id.startswith("apierrors.")]


def test_a_language_without_translations_is_warned(settings):
    settings.LANGUAGES = [*settings.LANGUAGES, ("tlh", "Klingon")]

    (warning,) = apierrors_checks()

    total = len(default_msgids())
    assert warning.id == "apierrors.W201"
    assert warning.msg == (
        "The default error catalog lacks translations in active languages: "
        f"tlh ({total} of {total} texts)."
    )
    assert warning.hint.startswith("Clients asking for these languages get the en text")


def test_a_sites_own_catalog_counts(settings, tmp_path):
    msgids = sorted(default_msgids())
    settings.LANGUAGES = [*settings.LANGUAGES, ("tlh", "Klingon")]

    def site_catalog(folder: Path, translated: list[str]) -> None:
        site = polib.POFile()
        site.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "tlh"}
        for msgid in translated:
            site.append(polib.POEntry(msgid=msgid, msgstr=f"[tlh] {msgid}"))
        (folder / "tlh" / "LC_MESSAGES").mkdir(parents=True)
        site.save_as_mofile(str(folder / "tlh" / "LC_MESSAGES" / "django.mo"))
        settings.LOCALE_PATHS = [str(folder)]

    site_catalog(tmp_path / "partly", msgids[1:])
    (warning,) = apierrors_checks()
    assert warning.msg.endswith(f"tlh (1 of {len(msgids)} texts).")

    site_catalog(tmp_path / "wholly", msgids)
    assert apierrors_checks() == []


def test_check_messages_speak_the_active_language(settings):
    settings.APIERRORS = {"FORMATT": "problem"}

    with translation.override("fr"):
        (warning,) = apierrors_checks()

    assert warning.msg == "APIERRORS contient des clés inconnues : FORMATT."
    assert warning.hint.startswith("Clés connues : API_PREFIXES, CACHE_ALIAS, ")


# The admin -------------------------------------------------------------------------------------------


def change_page(admin_client, code: str) -> str:
    entry = ErrorCode.objects.get(code=code)
    return admin_client.get(f"/admin/apierrors/errorcode/{entry.pk}/change/").content.decode()


def listed_codes(html: str) -> list[str]:
    return re.findall(r'<th class="field-code"><a href="[^"]+">([a-z_0-9]+)</a></th>', html)


def missing_column(html: str) -> dict[str, str]:
    rows = re.findall(
        r'<th class="field-code"><a href="[^"]+">([a-z_0-9]+)</a></th>.*?'
        r'<td class="field-missing_translations">([^<]*)</td>',
        html,
    )
    return dict(rows)


@pytest.mark.django_db
def test_the_edit_page_is_tabbed_with_local_static_files(admin_client):
    html = change_page(admin_client, "invalid_product_id")

    scripts = re.findall(r'<script src="/static/([^"]+)"', html)
    tabbed = [
        "modeltranslation/js/force_jquery.js",
        "apierrors/vendor/jquery-ui/jquery-ui-tabs.js",
        "modeltranslation/js/tabbed_translation_fields.js",
    ]
    assert [s for s in scripts if s in tabbed] == tabbed
    assert scripts.index("admin/js/jquery.init.js") < scripts.index(tabbed[0])
    assert '<link href="/static/modeltranslation/css/tabbed_translation_fields.css"' in html
    assert "googleapis" not in html and "//ajax." not in html
    for path in (*tabbed, "modeltranslation/css/tabbed_translation_fields.css"):
        assert finders.find(path), path
    vendored = Path(finders.find(tabbed[1])).read_text(encoding="utf-8")
    assert '$.widget( "ui.tabs"' in vendored
    # modeltranslation marks each language's field for the tabs script to group.
    for language in ("en", "fr", "de", "es"):
        assert re.search(rf'<textarea [^>]*class="[^"]*mt-field-message-{language}', html)


@pytest.mark.django_db
def test_the_list_shows_and_filters_missing_translations(admin_client, client):
    ErrorCode.objects.filter(code="conflict").update(message_de="")
    ErrorCode.objects.filter(code="not_found").update(action_es=None, title_fr="")
    # An action left empty in every language is not missing anywhere.
    ErrorCode.objects.create(
        code="quiet",
        status_code=400,
        **{
            f"{f}_{lang}": f"{f} {lang}"
            for f in ("title", "message")
            for lang in ("en", "fr", "de", "es")
        },
    )
    # A code raised before the catalog knew it: a draft in one language.
    client.get("/api/t/raise/unknown_code/")

    listing = admin_client.get("/admin/apierrors/errorcode/").content.decode()
    column = missing_column(listing)
    assert column["conflict"] == "de"
    assert column["not_found"] == "fr, es"
    assert column["quiet"] == "-"
    assert column["bad_request"] == "-"
    assert column["no_such_code"] == "fr, de, es"

    def filtered(value: str) -> list[str]:
        url = f"/admin/apierrors/errorcode/?missing_translation={value}"
        return listed_codes(admin_client.get(url).content.decode())

    assert filtered("de") == ["conflict", "no_such_code"]
    assert filtered("es") == ["no_such_code", "not_found"]
    assert filtered("en") == []
    assert filtered("any") == ["conflict", "no_such_code", "not_found"]
    assert 'href="?missing_translation=any"' in listing
    assert 'href="?missing_translation=fr"' in listing and ">French</a>" in listing


@pytest.mark.django_db
def test_the_admin_speaks_the_staff_members_language(admin_client, locale_middleware):
    listing = admin_client.get("/admin/apierrors/errorcode/", HTTP_ACCEPT_LANGUAGE="fr")
    html = listing.content.decode()

    assert "Codes d&#x27;erreur" in html
    assert "traduction manquante" in html
    assert "Traductions manquantes" in html
    assert "dans au moins une langue" in html
    page = admin_client.get(
        f"/admin/apierrors/errorcode/{ErrorCode.objects.get(code='not_found').pk}/change/",
        HTTP_ACCEPT_LANGUAGE="fr",
    ).content.decode()
    assert "Ce que le client reçoit" in page
    assert "Code lisible par une machine, comparé sans tenir compte de la casse" in page


@pytest.mark.django_db
def test_template_errors_in_the_admin_speak_the_staff_members_language(
    admin_client, locale_middleware
):
    entry = ErrorCode.objects.rewrite(False).get(code="invalid_product_id")
    data = admin_form(entry, message_fr="Le produit {productId est inconnu.")

    response = admin_client.post(
        f"/admin/apierrors/errorcode/{entry.pk}/change/", data, HTTP_ACCEPT_LANGUAGE="fr"
    )

    assert response.status_code == 200
    assert (
        '<ul class="errorlist" id="id_message_fr_error"><li>'
        "Une accolade ouvrante n&#x27;est jamais fermée : {productId est incon</li></ul>"
    ) in response.content.decode()


# A French edit reaches the next French request (one process; docs/decisions.md for many) ------


@pytest.mark.django_db
def test_a_message_edited_in_french_is_what_the_next_french_request_returns(admin_client, client):
    entry = ErrorCode.objects.rewrite(False).get(code="invalid_product_id")
    before = {
        lang: client.get("/api/t/raise/api_error/", HTTP_ACCEPT_LANGUAGE=lang).json()["detail"]
        for lang in ("en", "fr", "de")
    }
    data = admin_form(entry, message_fr="Nous ne connaissons pas le produit {productId}.")

    assert (
        admin_client.post(f"/admin/apierrors/errorcode/{entry.pk}/change/", data).status_code == 302
    )

    french = client.get("/api/t/raise/api_error/", HTTP_ACCEPT_LANGUAGE="fr-CA")
    assert french["Content-Language"] == "fr"
    assert french.json()["detail"] == "Nous ne connaissons pas le produit 123."
    assert log_row(french).language == "fr"
    for lang in ("en", "de"):
        again = client.get("/api/t/raise/api_error/", HTTP_ACCEPT_LANGUAGE=lang)
        assert again.json()["detail"] == before[lang]


# Validators' messages --------------------------------------------------------------------------------

ORDER = {"email": "x", "quantity": 0, "items": [{"name": "", "quantity": 1}]}
FRENCH_ORDER_ERRORS = [
    {"pointer": "#/name", "code": "required", "detail": "Ce champ est obligatoire."},
    {"pointer": "#/email", "code": "invalid", "detail": "Saisissez une adresse e-mail valide."},
    {
        "pointer": "#/quantity",
        "code": "min_value",
        "detail": "Assurez-vous que cette valeur est supérieure ou égale à\xa01.",
    },
    {"pointer": "#/items/0/name", "code": "blank", "detail": "Ce champ ne peut être vide."},
]


@pytest.mark.django_db
@pytest.mark.parametrize("locale", [False, True], ids=["plain", "locale-middleware"])
def test_drf_field_errors_arrive_in_french(client, settings, locale):
    if locale:
        settings.MIDDLEWARE = with_locale_middleware(settings.MIDDLEWARE)

    response = client.post("/api/t/orders/", ORDER, format="json", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 400
    assert response["Content-Language"] == "fr"
    body = response.json()
    assert (body["title"], body["errors"]) == ("Échec de la validation", FRENCH_ORDER_ERRORS)
    assert log_row(response).field_errors[0]["message"] == "Ce champ est obligatoire."


@pytest.mark.django_db
def test_field_errors_follow_every_shipped_language(client):
    for header, required in (
        ("de", "Dieses Feld ist zwingend erforderlich."),
        ("es;q=0.9, fr;q=0.1", "Este campo es requerido."),
        ("pt", "This field is required."),
    ):
        response = client.post("/api/t/orders/", ORDER, format="json", HTTP_ACCEPT_LANGUAGE=header)

        assert response.json()["errors"][0]["detail"] == required, header


@pytest.mark.django_db
def test_a_refused_language_is_refused_by_the_validators_too(client, settings):
    # Django's LocaleMiddleware would pick French for "fr;q=0"; the answer must not mix languages.
    settings.MIDDLEWARE = with_locale_middleware(settings.MIDDLEWARE)

    response = client.post("/api/t/orders/", ORDER, format="json", HTTP_ACCEPT_LANGUAGE="fr;q=0")

    assert response["Content-Language"] == "en"
    body = response.json()
    assert (body["title"], body["errors"][0]["detail"]) == (
        "Validation Failed",
        "This field is required.",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url"),
    [("post", "/api/widgets/clean/"), ("get", "/api/plain/widgets/clean/")],
    ids=["drf-view", "plain-view"],
)
def test_django_model_validation_arrives_in_french(client, settings, method, url):
    settings.ROOT_URLCONF = "tests.sites.validation_urls"

    response = getattr(client, method)(url, {"name": "x" * 60}, HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 400
    assert response["Content-Language"] == "fr"
    assert response.json()["errors"] == [
        {
            "pointer": "#/name",
            "code": "max_length",
            "detail": "Assurez-vous que cette valeur comporte au plus 50 caractères "
            "(actuellement 60).",
        }
    ]
