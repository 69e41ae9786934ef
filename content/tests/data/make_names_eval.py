"""Makes names-eval.jsonl: sentences like case notes, with people's names of
many origins and UK places, streets, employers and jobs, each name labelled
with its UTF-8 byte span. The names, places, streets, companies and jobs come
from Mimesis (MIT licence), an independent generator whose name lists the
check's lists (derived from Faker) were NOT made from; the seed is fixed.

    python3 -m venv /tmp/v && /tmp/v/bin/pip install mimesis==22.2.0 unidecode
    /tmp/v/bin/python make_names_eval.py > names-eval.jsonl

Names written in Cyrillic or Greek are transliterated to Latin (case notes
are written in English). Tests and benchmarks only read the committed output.
"""
import json
import random

from mimesis import Address, Datetime, Finance, Person
from mimesis.locales import Locale
from unidecode import unidecode

SEED = 20261202
LOCALES = ["en-gb", "en", "en-au", "en-ca", "pl", "hu", "tr", "es", "es-mx", "pt-br", "pt", "nl",
           "fi", "de", "it", "fr", "da", "cs", "sk", "sv", "no", "hr", "et", "is", "ru", "uk",
           "el", "kk", "az"]

# {N}, {N2}: people; the other slots are things that are not people.
TEMPLATES = [
    "{N} visited the family home in {CITY} on {DAY}.",
    "Mum said that {N} had been staying with them since {MONTH}.",
    "A neighbour, {N}, called the police after hearing shouting.",
    "{N} works as a {JOB} at {COMPANY}.",
    "The children were collected by {N} and taken to {STREET}.",
    "We spoke to {N} about the arrangements for the summer holidays.",
    "Dad's new partner {N} has moved in with the family.",
    "{N} and {N2} were both at the house when we arrived.",
    "The family moved from {CITY} to {CITY2} last year.",
    "The {JOB} from {COMPANY} attended the meeting in {CITY}.",
    "School reported that {N} collected the children on {DAY}.",
    "According to {N}, the flat on {STREET} has damp in every room.",
    "Her friend {N} from {CITY} stays over at weekends.",
    "{N} is the father of the youngest child.",
    "It was agreed that {N} would not have unsupervised contact.",
    "Contact with {N} will take place at the family centre in {CITY}.",
    "The referral came from {COMPANY} in {CITY} on {DAY}.",
    "{N}'s sister lives on {STREET} in {CITY}.",
    "The children told me that {N} shouts when he has been drinking.",
    "{N} has been helping with the school run while Mum is at {COMPANY}.",
    "Grandma said she had not seen {N} since they moved to {CITY}.",
    "A {JOB} called at the house on {DAY} and spoke to {N}.",
    "{N}, who lives next door, has offered to look after the dog.",
    "We will ask {N} and {N2} to come to the next review meeting.",
    "The housing officer from {CITY} Council visited {STREET} on {DAY}.",
]


def translit(name):
    if any(0x370 <= ord(c) < 0x530 for c in name):
        return unidecode(name)
    return name


def name_of(person, rng):
    first, last = translit(person.first_name()), translit(person.last_name())
    if rng.random() < 0.1:
        # A middle initial, as forms and letters write it.
        middle = translit(person.first_name())[0]
        return f"{first} {middle}. {last}"
    return f"{first} {last}"


def main():
    rng = random.Random(SEED)
    place = Address(Locale.EN_GB, seed=SEED)
    money = Finance(Locale.EN_GB, seed=SEED)
    jobs = Person(Locale.EN_GB, seed=SEED)
    when = Datetime(Locale.EN_GB, seed=SEED)
    people = {loc: Person(Locale(loc), seed=SEED) for loc in LOCALES}
    for i in range(600):
        loc = LOCALES[i % len(LOCALES)]
        template = TEMPLATES[rng.randrange(len(TEMPLATES))]
        slots = {
            "CITY": place.city(),
            "CITY2": place.city(),
            "STREET": f"{place.street_name()} {place.street_suffix()}",
            "COMPANY": money.company(),
            "JOB": jobs.occupation().lower(),
            "DAY": when.day_of_week(),
            "MONTH": when.month(),
        }
        text, names, pos = "", [], 0
        parts = template.replace("}", "{").split("{")
        for k, part in enumerate(parts):
            if k % 2 == 0:
                text += part
            elif part in ("N", "N2"):
                who = people[loc if part == "N" else rng.choice(LOCALES)]
                n = name_of(who, rng)
                start = len(text.encode())
                text += n
                names.append({"start": start, "end": len(text.encode()), "text": n})
            else:
                text += slots[part]
        print(json.dumps({"locale": loc, "text": text, "names": names}, ensure_ascii=False))


if __name__ == "__main__":
    main()
