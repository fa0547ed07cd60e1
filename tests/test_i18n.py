"""English and Simplified Chinese: the pages follow the browser or the chosen language, and the
Chinese catalogue is complete and compiled (the .mo is committed, so no gettext is needed)."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "soloops" / "locale" / "zh_Hans" / "LC_MESSAGES"


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgid, msgstr (both unescaped) and flags."""
    entries: list[dict] = []
    entry: dict = {"flags": set()}
    key = None

    def finish() -> None:
        nonlocal entry
        if "msgid" in entry:
            entries.append(entry)
        entry = {"flags": set()}

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            finish()
            key = None
        elif line.startswith("#,"):
            entry["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif m := re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) (".*")$', line):
            if m.group(1) in {"msgctxt", "msgid"} and "msgid" in entry:
                finish()
            key = m.group(1)
            entry[key] = ast.literal_eval(m.group(2))
        elif line.startswith('"') and key:
            entry[key] += ast.literal_eval(line)
    finish()
    return entries


def test_login_page_follows_the_browser_language(client, db):
    # when
    response = client.get("/login/", headers={"Accept-Language": "zh-hans"})

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "<h1>登录</h1>" in html
    assert "用户名" in html
    assert "密码" in html
    assert "Log in" not in html


def test_login_page_follows_the_language_cookie(client, db):
    # given
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    # when
    html = client.get("/login/", headers={"Accept-Language": "en"}).content.decode()

    # then the explicit choice beats the browser's default
    assert "<h1>登录</h1>" in html


def test_choosing_a_language_sticks(client, db):
    # when
    chosen = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    html = client.get("/login/").content.decode()

    # then
    assert chosen.status_code == 302
    assert "<h1>登录</h1>" in html


def test_english_is_the_default(client, db):
    # when
    html = client.get("/login/").content.decode()

    # then
    assert "<h1>Log in</h1>" in html
    assert "登录" not in html


def test_logged_in_pages_translate_model_labels_too(client, staff_user):
    # given
    client.force_login(staff_user)

    # when
    html = client.get("/", headers={"Accept-Language": "zh-hans"}).content.decode()

    # then the role (a model choice) and the page text are both Chinese
    assert "员工" in html
    assert "今日" in html  # Today
    assert "退出登录" in html


@pytest.fixture
def staff_user(db):
    from soloops.accounts.actors import Actor
    from soloops.accounts.services import user_create

    return user_create(
        username="sam",
        email="",
        password="correct horse battery staple 42",
        role="staff",
        actor=Actor.system("test"),
    )


def test_chinese_catalogue_translates_every_message():
    # given
    entries = read_po(LOCALE / "django.po")

    # when
    messages = [e for e in entries if e["msgid"]]
    untranslated = [
        e["msgid"] for e in messages if not all(v for k, v in e.items() if k.startswith("msgstr"))
    ]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]

    # then
    assert len(messages) > 20
    assert untranslated == []
    assert fuzzy == []


def test_chinese_catalogue_keeps_every_placeholder():
    for entry in read_po(LOCALE / "django.po"):
        # Chinese has one plural form: msgstr[0] stands for the plural English text too.
        source = entry.get("msgid_plural", entry["msgid"])
        translated = entry.get("msgstr", entry.get("msgstr[0]"))
        placeholders = sorted(re.findall(r"%\(\w+\)[sd]", source))
        assert sorted(re.findall(r"%\(\w+\)[sd]", translated)) == placeholders, entry


def test_compiled_catalogue_matches_the_source():
    # given the committed .mo, read without gettext tools
    with open(LOCALE / "django.mo", "rb") as f:
        compiled = gettext.GNUTranslations(f)

    # then every translation in the .po is in the .mo, unchanged
    def compiled_text(entry: dict) -> str:
        ctxt, msgid = entry.get("msgctxt"), entry["msgid"]
        if plural := entry.get("msgid_plural"):
            if ctxt:
                return compiled.npgettext(ctxt, msgid, plural, 1)
            return compiled.ngettext(msgid, plural, 1)
        return compiled.pgettext(ctxt, msgid) if ctxt else compiled.gettext(msgid)

    stale = [
        e["msgid"]
        for e in read_po(LOCALE / "django.po")
        if e["msgid"] and compiled_text(e) != e.get("msgstr", e.get("msgstr[0]"))
    ]
    assert stale == [], "run `soloops manage compilemessages` from soloops/"
