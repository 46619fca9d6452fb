"""The interface's message catalogues: extract every translatable string of the templates (Babel, with Jinja2's
extractor and the same options the pages render with) and merge them into each language's ``messages.po``.

``python -m tools.messages`` (``make messages``) adds new strings with an empty translation and drops those no
template uses any more; then translate the empty ones. A test (tests/web/test_interface_language.py) fails while
a template string has no translation, so the catalogues cannot drift from the templates.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

from server.web import i18n

TEMPLATES = Path(i18n.__file__).parent / "templates"
WEB = TEMPLATES.parent
METHOD_MAP = [("templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}  # N_: words views hand to templates
OPTIONS = {
    "templates/**.html": {
        "extensions": "jinja2.ext.i18n",
        "trimmed": "true",
        "trim_blocks": "true",
        "lstrip_blocks": "true",
    }
}
TRANSLATED = [code for code in i18n.INTERFACE_LANGUAGES if code != i18n.DEFAULT]


def extract() -> Catalog:
    """Every message of the templates, with where it occurs."""
    template = Catalog(project="migkg", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        WEB, METHOD_MAP, OPTIONS, KEYWORDS, strip_comment_tags=True
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def untranslated(template: Catalog, translations: Catalog) -> list[str]:
    """The messages of ``template`` that ``translations`` lacks or leaves empty (a plural needs every form)."""
    missing = []
    for message in template:
        if not message.id:
            continue
        found = translations.get(message.id, message.context)
        strings = found.string if found else None
        forms = strings if isinstance(strings, tuple | list) else (strings,)
        if found is None or found.fuzzy or not all(forms):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def update(language: str) -> list[str]:
    """Merge the templates' messages into ``language``'s catalogue; the messages still to translate."""
    template = extract()
    catalogue = i18n.catalogue(language)
    created = catalogue.creation_date
    catalogue.update(template, no_fuzzy_matching=True)
    catalogue.creation_date = created  # the header changes only when a translation does
    catalogue.obsolete.clear()
    path = i18n.LOCALE / language / "LC_MESSAGES" / "messages.po"
    with path.open("wb") as file:
        write_po(file, catalogue, width=120, omit_header=False, sort_output=False, include_previous=False)
    return untranslated(template, catalogue)


def main() -> None:
    for language in TRANSLATED:
        missing = update(language)
        print(f"{language}: {len(missing)} message(s) to translate")
        for message in missing:
            print(f"  {message[:100]!r}")


if __name__ == "__main__":
    main()
