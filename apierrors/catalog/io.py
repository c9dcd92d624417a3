"""The catalog as data: stable export, line-precise validation, and import that keeps staff edits.

The file holds every entry with every field staff can edit, each translated text as a map
language -> text (null where a language has none), keys and entries sorted so that two exports
of the same catalog are byte-identical and a change reads as a small diff in version control.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone
from modeltranslation.settings import AVAILABLE_LANGUAGES
from modeltranslation.utils import build_localized_fieldname

from apierrors.catalog.store import bump_version
from apierrors.core.controls import escape_controls
from apierrors.i18n import default_language
from apierrors.models import TRANSLATED_FIELDS, ErrorCode, normalize_code

FILE_KIND: Final = "django-apierrors catalog"
FILE_VERSION: Final = 1
FORMATS: Final = ("json", "yaml")

# Plain (untranslated) fields of an entry, with the value a new entry gets when the file omits it.
PLAIN_FIELDS: Final[dict[str, Any]] = {
    "status_code": None,
    "category": "invalid_request",
    "is_public": True,
    "is_retryable": False,
    "doc_url": "",
    "is_active": True,
    "is_draft": False,
}
# What a new entry gets for each plain field the file omits (every one but the status).
NEW_ENTRY: Final = {name: value for name, value in PLAIN_FIELDS.items() if value is not None}
BOOLEAN_FIELDS: Final = ("is_public", "is_retryable", "is_active", "is_draft")
REQUIRED_FIELDS: Final = ("code", "status_code", "title", "message")
ENTRY_KEYS: Final = frozenset({"code", *PLAIN_FIELDS, *TRANSLATED_FIELDS})
TOP_KEYS: Final = frozenset({"catalog", "version", "languages", "entries"})

# Caps on what an import reads, so that no file can exhaust memory or time. A catalog of a
# thousand entries in ten languages is a few megabytes; its nesting is four levels (the file,
# its entries, an entry, a field's languages).
MAX_FILE_SIZE: Final = 10 * 1024 * 1024
MAX_DEPTH: Final = 10
# Characters of one message or action text in one language (titles: the model's max_length).
MAX_TEXT_LENGTH: Final = 4000
LONG_TEXT_FIELDS: Final = ("message", "action")

Path = tuple[str | int, ...]


def format_for(filename: str | None) -> str:
    """yaml for .yaml and .yml files, else json."""
    return "yaml" if filename and filename.lower().endswith((".yaml", ".yml")) else "json"


# Export -------------------------------------------------------------------------------------


def languages() -> list[str]:
    return list(AVAILABLE_LANGUAGES)


def entry_data(row: dict[str, Any]) -> dict[str, Any]:
    """One catalog row (raw columns) as the file writes it."""
    data: dict[str, Any] = {"code": row["code"]}
    data.update({name: row[name] for name in PLAIN_FIELDS})
    for name in TRANSLATED_FIELDS:
        data[name] = {lang: row.get(build_localized_fieldname(name, lang)) for lang in languages()}
    return data


def rows(using: str = DEFAULT_DB_ALIAS, codes: Iterable[str] | None = None) -> list[dict[str, Any]]:
    queryset = ErrorCode.objects.db_manager(using).rewrite(False).order_by("code")
    if codes is not None:
        queryset = queryset.filter(code__in=list(codes))
    return list(queryset.values())


def document(entries: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {
        "catalog": FILE_KIND,
        "version": FILE_VERSION,
        "languages": languages(),
        "entries": sorted(entries, key=lambda entry: entry["code"]),
    }


def dumps(data: dict[str, Any], file_format: str = "json") -> str:
    """Stable text: sorted keys, two-space indents, UTF-8 as is, a final newline."""
    if file_format == "yaml":
        import yaml

        return yaml.safe_dump(
            data, sort_keys=True, allow_unicode=True, default_flow_style=False, width=1000
        )
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def export(
    file_format: str = "json", using: str = DEFAULT_DB_ALIAS, codes: Iterable[str] | None = None
) -> str:
    return dumps(document(entry_data(row) for row in rows(using, codes)), file_format)


# Parsing with line numbers ------------------------------------------------------------------


@dataclass(frozen=True)
class FileProblem:
    """One thing wrong in an import file: its line, the path of keys to it, and why."""

    line: int
    path: Path
    message: str

    def render(self, filename: str) -> str:
        """One line for a terminal: a key or text of the file cannot drive it."""
        where = path_text(self.path)
        line = f"{filename}:{self.line}: {where + ': ' if where else ''}{self.message}"
        return escape_controls(line, keep_lines=False)


class CatalogFileError(Exception):
    """A file that cannot be imported; ``problems`` say where and why."""

    def __init__(self, problems: list[FileProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def _refused(line: int, message: str) -> CatalogFileError:
    """A file refused for one problem of the whole file."""
    return CatalogFileError([FileProblem(line, (), message)])


def _too_deep(line: int) -> CatalogFileError:
    return _refused(line, f"nested deeper than {MAX_DEPTH} levels; a catalog file needs 4")


def _too_large(size: str) -> CatalogFileError:
    return _refused(
        1, f"the file holds {size}; a catalog file may hold at most {MAX_FILE_SIZE} bytes"
    )


def path_text(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# A JSON string (to its closing quote, or to the end of a text that never closes it), a
# bracket, a comma, a line feed, or a run of anything else (spaces, colons, a number or a
# literal): one match per token, so the scan is linear whatever the text holds.
_JSON_TOKENS: Final = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{},\n]|[^"\[\]{},\n]+', re.DOTALL)


def json_lines(text: str) -> dict[Path, int]:
    """The line of each key and array item of a JSON document; CatalogFileError at the first
    bracket nested deeper than MAX_DEPTH, before any parser recurses into it.

    Read from its tokens, not parsed: the lines of a text that is not JSON mean nothing, and
    the parser then says what is wrong with it.
    """
    lines: dict[Path, int] = {(): 1}
    # Each open container: [is_object, current key or index, expecting a key].
    stack: list[list[Any]] = []
    depth, line = 0, 1

    def value_starts() -> None:
        if stack and not stack[-1][0]:
            lines[tuple(frame[1] for frame in stack)] = line

    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep(line)
            value_starts()
            stack.append([token == "{", 0, token == "{"])
        elif token in ("]", "}"):
            depth -= 1
            if stack:
                stack.pop()
        elif token == ",":
            if stack and stack[-1][0]:
                stack[-1][2] = True
            elif stack:
                stack[-1][1] += 1
        elif token.startswith('"'):
            if stack and stack[-1][0] and stack[-1][2]:
                try:
                    stack[-1][1] = json.loads(token)
                except ValueError:
                    stack[-1][1] = token
                stack[-1][2] = False
                lines[tuple(frame[1] for frame in stack)] = line
            else:
                value_starts()
            line += token.count("\n")
        elif token == "\n":
            line += 1
        elif token.strip(" \t\r:"):
            value_starts()
    return lines


def yaml_lines(node: Any, prefix: Path = ()) -> dict[Path, int]:
    """The line of each key and sequence item of a composed YAML node."""
    import yaml

    lines: dict[Path, int] = {prefix: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*prefix, key_node.value)
            lines.update(yaml_lines(value_node, child))
            lines[child] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            lines.update(yaml_lines(item, (*prefix, position)))
    return lines


def _yaml_loader() -> Any:
    """PyYAML's safe loader, in C when PyYAML was built with libyaml (15 times faster)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_NO_ANCHORS: Final = "YAML anchors and aliases are not allowed in a catalog file"


def check_yaml_events(text: str) -> None:
    """CatalogFileError at the first anchor, alias or collection nested deeper than MAX_DEPTH.

    Read from the parser's events, before anything is composed: an alias repeats the nodes
    it names wherever it stands, and a few hundred bytes of aliases of aliases name billions
    ("billion laughs"); the composer also recurses once per level. A catalog needs neither.
    """
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=_yaml_loader()):
        line = event.start_mark.line + 1 if event.start_mark else 1
        if isinstance(event, yaml.AliasEvent):
            raise _refused(line, f"alias *{event.anchor}: {_NO_ANCHORS}")
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            raise _refused(line, f"anchor &{event.anchor}: {_NO_ANCHORS}")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep(line)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def parse(text: str, file_format: str) -> tuple[Any, dict[Path, int]]:
    """The document and the line of each of its parts; CatalogFileError when unreadable,
    larger than MAX_FILE_SIZE, nested deeper than MAX_DEPTH or, in YAML, using aliases."""
    if len(text) > MAX_FILE_SIZE:
        raise _too_large(f"{len(text)} characters")
    if file_format == "yaml":
        import yaml

        try:
            check_yaml_events(text)
            loader = _yaml_loader()(text)
            try:
                node = loader.get_single_node()
                data = loader.construct_document(node) if node is not None else None
            finally:
                loader.dispose()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            raise _refused(line, f"invalid YAML: {exc.problem}") from exc
        return data, yaml_lines(node) if node is not None else {(): 1}
    lines = json_lines(text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _refused(exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})") from exc
    return data, lines


def read_file(path: str | FilePath) -> str:
    """A catalog file's text; CatalogFileError when it is larger than MAX_FILE_SIZE, found
    from its size before reading it (a pipe or device is read no further than the cap)."""
    path = FilePath(path)
    size = path.stat().st_size
    if size > MAX_FILE_SIZE:
        raise _too_large(f"{size} bytes")
    with path.open("rb") as stream:
        raw = stream.read(MAX_FILE_SIZE + 1)
    if len(raw) > MAX_FILE_SIZE:
        raise _too_large(f"more than {MAX_FILE_SIZE} bytes")
    return raw.decode("utf-8")


# Validation ---------------------------------------------------------------------------------


class _Collector:
    def __init__(self, lines: dict[Path, int]) -> None:
        self.lines = lines
        self.problems: list[FileProblem] = []

    def line(self, path: Path) -> int:
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)

    def add(self, path: Path, message: str) -> None:
        problem = FileProblem(self.line(path), path, message)
        # The base column and the default language's column share validators: say it once.
        if problem not in self.problems:
            self.problems.append(problem)


def _texts(value: Any, path: Path, collect: _Collector) -> dict[str, str | None] | None:
    """A translated field: a text (the default language's) or a map language -> text/null."""
    site = languages()
    if isinstance(value, str):
        return {default_language(): value}
    if not isinstance(value, dict):
        collect.add(path, "must be a text or a map of language to text")
        return None
    texts: dict[str, str | None] = {}
    for lang, text in value.items():
        if lang not in site:
            collect.add((*path, lang), f"language {lang!r} is not in LANGUAGES ({', '.join(site)})")
        elif text is not None and not isinstance(text, str):
            collect.add((*path, lang), "must be a text or null")
        else:
            texts[lang] = text
    return texts


def _columns(entry: dict[str, Any], path: Path, collect: _Collector) -> dict[str, Any] | None:
    """An entry of the file as ErrorCode columns, or None when it has type errors."""
    before = len(collect.problems)
    for key in entry:
        if key not in ENTRY_KEYS:
            collect.add((*path, key), f"unknown field {key!r}")
    for key in REQUIRED_FIELDS:
        if key not in entry:
            collect.add(path, f"{key!r} is required")
    code = entry.get("code")
    if "code" in entry and not isinstance(code, str):
        collect.add((*path, "code"), "must be a text")
    status_code = entry.get("status_code")
    if "status_code" in entry and (type(status_code) is not int):
        collect.add((*path, "status_code"), "must be an integer")
    for name in BOOLEAN_FIELDS:
        if name in entry and not isinstance(entry[name], bool):
            collect.add((*path, name), "must be true or false")
    for name in ("category", "doc_url"):
        if name in entry and not isinstance(entry[name], str):
            collect.add((*path, name), "must be a text")
    columns: dict[str, Any] = {
        name: entry[name] for name in PLAIN_FIELDS if name in entry and name != "status_code"
    }
    if "status_code" in entry:
        columns["status_code"] = status_code
    if isinstance(code, str):
        columns["code"] = normalize_code(code)
    for name in TRANSLATED_FIELDS:
        if name not in entry:
            continue
        texts = _texts(entry[name], (*path, name), collect)
        if texts is None:
            continue
        for lang, text in texts.items():
            if name in LONG_TEXT_FIELDS and text is not None:
                _check_length(text, (*path, name, lang), collect)
            columns[build_localized_fieldname(name, lang)] = text
    return columns if len(collect.problems) == before else None


def _check_length(text: str, path: Path, collect: _Collector) -> None:
    """Messages and actions are TextFields, unbounded in the database: the file's are capped."""
    try:
        MaxLengthValidator(MAX_TEXT_LENGTH)(text)
    except ValidationError as exc:
        for message in exc.messages:
            collect.add(path, message)


def _model_problems(columns: dict[str, Any], path: Path, collect: _Collector) -> None:
    """The model's own validators: slug, status range, category, URL, lengths, placeholders."""
    instance = ErrorCode(**{**NEW_ENTRY, **columns}, **_base_columns(columns, new=True))
    try:
        instance.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field_name, messages in exc.message_dict.items():
            where = _field_path(field_name, path)
            for message in messages:
                collect.add(where, message)


def _field_path(field_name: str, path: Path) -> Path:
    for name in TRANSLATED_FIELDS:
        if field_name == name:
            return (*path, name, default_language())
        for lang in languages():
            if field_name == build_localized_fieldname(name, lang):
                return (*path, name, lang)
    return (*path, field_name)


def validate(data: Any, lines: dict[Path, int]) -> list[dict[str, Any]]:
    """The file's entries as columns; CatalogFileError listing every problem, with its line."""
    collect = _Collector(lines)
    if not isinstance(data, dict):
        raise _refused(1, "the file must hold an object with 'entries'")
    for key in data:
        if key not in TOP_KEYS:
            collect.add((key,), f"unknown key {key!r}")
    if data.get("catalog", FILE_KIND) != FILE_KIND:
        collect.add(("catalog",), f"must be {FILE_KIND!r}")
    if data.get("version", FILE_VERSION) != FILE_VERSION:
        collect.add(("version",), f"unsupported version; this app reads version {FILE_VERSION}")
    entries = data.get("entries")
    if not isinstance(entries, list):
        collect.add(("entries",), "must be a list of entries")
        raise CatalogFileError(collect.problems)
    result: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for position, entry in enumerate(entries):
        path: Path = ("entries", position)
        if not isinstance(entry, dict):
            collect.add(path, "must be an object")
            continue
        code = entry.get("code")
        if isinstance(code, str):
            code = normalize_code(code)
            if code in seen:
                collect.add((*path, "code"), f"{code!r} is already defined at line {seen[code]}")
                continue
            seen[code] = collect.line((*path, "code"))
        columns = _columns(entry, path, collect)
        if columns is None:
            continue
        _model_problems(columns, path, collect)
        result.append(columns)
    if collect.problems:
        raise CatalogFileError(collect.problems)
    return result


# Import -------------------------------------------------------------------------------------


# The value a column holds before anyone wrote it; staff edits are departures from it.
_UNWRITTEN: Final = {"doc_url": "", "is_active": True, "is_draft": False}
_MISSING: Final = object()


def _same(a: Any, b: Any) -> bool:
    """Equal, counting an empty text and a missing translation as the same."""
    return (a if a != "" else None) == (b if b != "" else None)


def is_staff_edit(row: dict[str, Any], column: str) -> bool:
    """Whether staff (or an earlier import) wrote this column, as apierrors_sync decides it.

    The baseline is the value last loaded from the default catalog; for entries the default
    catalog does not know, every value was written by staff, but for a column still at the
    value a new entry gets.
    """
    baseline = row["shipped_values"].get(column, _UNWRITTEN.get(column, _MISSING))
    if baseline is _MISSING:
        return row.get(column) not in (None, "")
    return not _same(row.get(column), baseline)


@dataclass
class ImportPlan:
    created: list[dict[str, Any]] = field(default_factory=list)
    # code -> column -> new value
    updated: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (code, column) left as staff wrote it
    kept: list[tuple[str, str]] = field(default_factory=list)
    # codes in the catalog the file does not mention; never touched
    untouched: list[str] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.kept)} staff edits kept, {len(self.untouched)} not in the file"
        )


def plan_import(
    entries: list[dict[str, Any]], *, keep_staff_edits: bool, using: str = DEFAULT_DB_ALIAS
) -> ImportPlan:
    current = {row["code"]: row for row in rows(using)}
    plan = ImportPlan()
    for columns in entries:
        code = columns["code"]
        row = current.get(code)
        if row is None:
            plan.created.append(columns)
            continue
        changes: dict[str, Any] = {}
        for column, value in columns.items():
            if column == "code" or _same(row.get(column), value):
                continue
            if keep_staff_edits and is_staff_edit(row, column):
                plan.kept.append((code, column))
            else:
                changes[column] = value
        if changes:
            plan.updated[code] = changes
    mentioned = {columns["code"] for columns in entries}
    plan.untouched = sorted(set(current) - mentioned)
    return plan


def _base_columns(columns: dict[str, Any], *, new: bool) -> dict[str, Any]:
    """The untranslated base columns follow the default language, as modeltranslation keeps
    them: those whose column in ``columns`` changes, or every one for a ``new`` entry."""
    language = default_language()
    base: dict[str, Any] = {}
    for name in TRANSLATED_FIELDS:
        column = build_localized_fieldname(name, language)
        if new or column in columns:
            base[name] = columns.get(column) or ""
    return base


def diff(plan: ImportPlan, using: str = DEFAULT_DB_ALIAS) -> str:
    """The import as a unified diff of the exported catalog, before and after."""
    before_rows = {row["code"]: row for row in rows(using)}
    after_rows = {code: dict(row) for code, row in before_rows.items()}
    for code, changes in plan.updated.items():
        after_rows[code].update(changes)
    for columns in plan.created:
        # A language the file does not give is null in entry_data().
        after_rows[columns["code"]] = {**PLAIN_FIELDS, **columns}
    before = dumps(document(entry_data(row) for row in before_rows.values()))
    after = dumps(document(entry_data(row) for row in after_rows.values()))
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            "catalog (now)",
            "catalog (after import)",
        )
    )


def apply(plan: ImportPlan, using: str = DEFAULT_DB_ALIAS) -> None:
    """Write the plan in one transaction; every process reloads its catalog afterwards."""
    manager = ErrorCode.objects.db_manager(using).rewrite(False)
    now = timezone.now()
    with transaction.atomic(using=using):
        for columns in plan.created:
            manager.create(**{**NEW_ENTRY, **columns}, **_base_columns(columns, new=True))
        for code, changes in plan.updated.items():
            manager.filter(code=code).update(
                **changes, **_base_columns(changes, new=False), updated_at=now
            )
    bump_version()


def load_file(text: str, file_format: str) -> list[dict[str, Any]]:
    """Parse and validate: the entries as columns, or CatalogFileError."""
    data, lines = parse(text, file_format)
    return validate(data, lines)
