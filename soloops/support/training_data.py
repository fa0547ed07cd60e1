"""The labelled messages the intent classifier learns from, generated deterministically.

Written for this project: per intent and language, sentence templates (``data/templates.json``)
filled with order numbers, products, cities and days, wrapped in greetings and sign-offs, with
typos and mixed English/Chinese. Templates are split three ways, so no split sees another's
phrasings: of every six templates of an intent, one is held out (``split: "test"``, what the
bench measures), one was for validation (``"validation"``; the model now learns from it too,
and its thresholds come from grouped cross-validation, see ``classifier``), four are for
training. Each message keeps its template's id (``template``), so calibration and
cross-validation folds never split a template.

More training templates, written later (``data/templates_more.json``), are all for training:
they are generated after the first file's messages with their own random seed, so the held-out
and validation messages above stay byte for byte what they were.

A second, smaller held-out set is written by hand in another style (longer, real-looking
mail, ``data/heldout.jsonl``), never generated from the templates: ``load("handwritten")``.

Regenerate the shipped file (the same bytes every time) with::

    .venv/bin/python -m soloops.support.training_data
"""

import json
import random
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
DATA_FILE = DATA_DIR / "intents.jsonl"
TEMPLATES_FILE = DATA_DIR / "templates.json"
MORE_TEMPLATES_FILE = DATA_DIR / "templates_more.json"  # training only
HANDWRITTEN_FILE = DATA_DIR / "heldout.jsonl"
PER_TEMPLATE = 6  # messages made from each template
SEED = 13
SPLITS = {5: "test", 2: "validation"}  # template index % 6; the others train

PRODUCTS_EN = ["blue mug", "harbour poster", "teapot", "linen towel", "notebook", "vase"]
PRODUCTS_ZH = ["蓝色马克杯", "海港海报", "茶壶", "亚麻毛巾", "笔记本", "花瓶"]
CITIES_EN = ["London", "Berlin", "Lyon", "Madrid", "Oslo", "Shanghai"]
CITIES_ZH = ["上海", "北京", "杭州", "深圳", "成都", "广州"]
COUNTRIES = ["Norway", "Germany", "the US", "Canada", "Japan", "Ireland"]
COUNTRIES_ZH = ["挪威", "德国", "美国", "加拿大", "日本", "新加坡"]
STREETS = ["12 Harbour Road", "3 Mill Lane", "48 Station St", "7 Rue Neuve"]
STREETS_ZH = ["长安街1号", "南京路88号", "文三路12号", "人民路5号"]
OPEN_EN = [
    "",
    "",
    "Hi, ",
    "Hello, ",
    "Dear shop, ",
    "hey ",
    "Good morning. ",
    "Sorry to bother you. ",
    "Quick question: ",
    "Hi there, hope you are well. ",
]
CLOSE_EN = [
    "",
    "",
    " Thanks",
    " Best, Ada",
    " Regards",
    " thx",
    " Kind regards, Tom",
    " Sent from my phone",
    " Cheers, Sam",
]
OPEN_ZH = [
    "",
    "",
    "你好，",
    "您好，",
    "老板，",
    "hi，",
    "Hello，",
    "打扰一下，",
    "问一下，",
    "亲，",
]
CLOSE_ZH = ["", "", "谢谢", "，麻烦了", "。谢谢！", " thx", "，急", "，辛苦了", "。李女士"]
# Mixed language: English words a Chinese customer types, and the reverse.
MIX_ZH = {"订单": "order", "快递": "快递(tracking)", "退款": "refund", "发票": "invoice"}


def _order(rng: random.Random) -> str:
    code = "".join(rng.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(8))
    return f"SO-2026-{code}"


def _typo(text: str, rng: random.Random) -> str:
    """One slip of the keyboard: a letter dropped, doubled or two swapped (Latin text only)."""
    spots = [k for k, ch in enumerate(text) if ch.isascii() and ch.isalpha()]
    if len(spots) < 4:
        return text
    k = rng.choice(spots[1:-1])
    kind = rng.randrange(3)
    if kind == 0:
        return text[:k] + text[k + 1 :]
    if kind == 1:
        return text[:k] + text[k] + text[k:]
    return text[: k - 1] + text[k] + text[k - 1] + text[k + 1 :]


def _fill(template: str, rng: random.Random, zh: bool) -> str:
    return template.format(
        order=_order(rng) if rng.random() < 0.8 else "",
        product=rng.choice(PRODUCTS_ZH if zh else PRODUCTS_EN),
        city=rng.choice(CITIES_ZH if zh else CITIES_EN),
        country=rng.choice(COUNTRIES_ZH if zh else COUNTRIES),
        street=rng.choice(STREETS),
        street_zh=rng.choice(STREETS_ZH),
        amount=f"€{rng.randrange(5, 300)}.{rng.randrange(100):02d}",
    ).replace("  ", " ")


def _message(template: str, rng: random.Random, zh: bool) -> str:
    body = _fill(template, rng, zh)
    if zh:
        if rng.random() < 0.25:
            for word, mixed in MIX_ZH.items():
                body = body.replace(word, mixed)
        return (rng.choice(OPEN_ZH) + body + rng.choice(CLOSE_ZH)).strip()
    if rng.random() < 0.35:
        body = _typo(body, rng)
    if rng.random() < 0.2:
        body = body.lower()
    if rng.random() < 0.1:
        body = "你好, " + body  # a Chinese greeting on an English message
    return (rng.choice(OPEN_EN) + body + rng.choice(CLOSE_EN)).strip()


def templates(path: Path = TEMPLATES_FILE) -> dict[str, dict[str, list[str]]]:
    """{language: {intent: [template, ...]}} as written in ``path``."""
    return json.loads(path.read_text(encoding="utf-8"))


def _generated(table, *, seed: int, prefix: str, split_of) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for language, by_intent in table.items():
        for intent, written in by_intent.items():
            for index, template in enumerate(written):
                split = split_of(index)
                for _ in range(PER_TEMPLATE):
                    text = _message(template, rng, language == "zh")
                    template_id = f"{language}/{intent}/{prefix}{index}"
                    rows.append({"text": text, "intent": intent, "language": language,
                                 "split": split, "template": template_id})  # fmt: skip
    return rows


def generate() -> list[dict]:
    first = _generated(templates(), seed=SEED, prefix="",
                       split_of=lambda index: SPLITS.get(index % 6, "train"))  # fmt: skip
    more = _generated(templates(MORE_TEMPLATES_FILE), seed=SEED + 1, prefix="more",
                      split_of=lambda _index: "train")  # fmt: skip
    return first + more


def load(split: str | None = None) -> list[dict]:
    """The generated messages of ``split`` (all if None), or the hand-written held-out set
    (``"handwritten"``)."""
    path = HANDWRITTEN_FILE if split == "handwritten" else DATA_FILE
    with path.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    if split == "handwritten":
        return [r | {"split": split} for r in rows]
    return [r for r in rows if split is None or r["split"] == split]


def main() -> None:
    rows = generate()
    DATA_FILE.parent.mkdir(parents=True, exist_ok=True)
    with DATA_FILE.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        counts[row["language"], row["split"]] = counts.get((row["language"], row["split"]), 0) + 1
    print(f"{len(rows)} messages written to {DATA_FILE}: {counts}")


if __name__ == "__main__":
    main()
