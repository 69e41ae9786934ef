"""Makes world_given_names.txt, world_surnames.txt and everyday_words.txt from Faker's locale
providers (Faker is MIT licensed; see NAMES_LICENCE.md beside this file).

    python3 -m venv /tmp/v && /tmp/v/bin/pip install faker==40.63.0 unidecode
    /tmp/v/bin/python make_name_lists.py

The build and the tests never run this: its output is committed. Names are
folded the way content::check::tokens::fold folds a word (lower case,
accents removed, ł->l, ß->ss, ...), so that the check can look a folded token
up directly. Names in Cyrillic or Greek script are transliterated to Latin
(case notes are written in English); names in other non-Latin scripts are
left out unless Faker gives a romanised form. Faker's English "lorem" words
(about 1,000 everyday words: "over", "must", "page") go to everyday_words.txt:
the check never takes an everyday word for a name from these lists alone.
"""
import importlib
import os
import pkgutil
import unicodedata

import faker
import faker.providers.person as person
from faker.providers.lorem.en_US import Provider as Lorem
from unidecode import unidecode

HERE = os.path.dirname(os.path.abspath(__file__))
SPECIAL = {"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d",
           "ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ı": "i", "þ": "th", "Þ": "th"}


def fold(word):
    out = []
    for c in word:
        if c in "'’‘ʼ":
            out.append("'")
        elif c in "-‐‑‒–":
            out.append("-")
        elif c in SPECIAL:
            out.append(SPECIAL[c])
        else:
            d = unicodedata.normalize("NFD", c)
            out.append("".join(x for x in d if not unicodedata.combining(x)).lower())
    return "".join(out)


def latin(s):
    return s and all("a" <= c <= "z" or c in "'-" for c in s)


def words_of(name):
    """A name may be several words ("de la Cruz"): each word counts."""
    return [w for w in name.replace(".", " ").split() if w]


def main():
    everyday = {w.lower() for w in Lorem.word_list}
    particles = {"van", "von", "der", "den", "de", "la", "le", "da", "das", "do", "dos", "del",
                 "di", "du", "ter", "ten", "bin", "binti", "al", "el", "ibn", "mac", "st", "y"}
    given, surnames = set(), set()
    for m in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module("faker.providers.person." + m.name).Provider
        for attr in dir(provider):
            if attr.startswith("_"):
                continue
            if "first_name" in attr or "first_romanized" in attr:
                target = given
            elif "last_name" in attr or "last_romanized" in attr:
                target = surnames
            else:
                continue
            value = getattr(provider, attr)
            if not isinstance(value, (tuple, list, dict)):
                continue
            for name in value:
                if not isinstance(name, str):
                    continue
                if "romanized" not in attr and any(ord(c) >= 0x250 and c not in "’‐" for c in name):
                    if any(0x370 <= ord(c) < 0x530 for c in name):
                        name = unidecode(name)
                    else:
                        continue
                for w in words_of(name):
                    f = fold(w)
                    if latin(f) and len(f) > 1 and f not in particles:
                        target.add(f)
    header = ("# Derived from the person providers of Faker {v} (MIT licence, see\n"
              "# NAMES_LICENCE.md) by make_name_lists.py: {what}, all locales,\n"
              "# folded (lower case, no accents), one a line. Do not edit by hand.\n")
    for fname, data, what in (("world_given_names.txt", given, "given names"),
                              ("world_surnames.txt", surnames, "surnames")):
        with open(os.path.join(HERE, fname), "w") as out:
            out.write(header.format(v=faker.VERSION, what=what))
            out.write("\n".join(sorted(data)) + "\n")
        print(fname, len(data))
    with open(os.path.join(HERE, "everyday_words.txt"), "w") as out:
        out.write("# Faker {v}'s English lorem words (MIT licence, see NAMES_LICENCE.md),\n"
                  "# by make_name_lists.py: everyday words, never taken for a name\n"
                  "# from the world lists alone. Do not edit by hand.\n".format(v=faker.VERSION))
        out.write("\n".join(sorted(everyday)) + "\n")


if __name__ == "__main__":
    main()
