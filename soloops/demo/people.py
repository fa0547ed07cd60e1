"""Who buys from the demo shop: names, addresses and email addresses that go together.

Customers live mostly in Europe, some in the US, and about one in eight reads Simplified
Chinese (most of them in China). Every email domain ends in ``.example`` (reserved by RFC 2606)
and client IP addresses come from the documentation ranges (RFC 5737, RFC 3849), so nothing a
demo does can reach a real person.
"""

import random
import unicodedata
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from soloops.demo.plan import OrderPlan


@dataclass(frozen=True)
class Region:
    """Where customers live: names that go together, cities with a postal code, streets."""

    country: str
    weight: float
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    cities: tuple[tuple[str, str, str], ...]  # (city, postal code, region)
    streets: tuple[str, ...]
    street_first: bool  # "Lindenweg 12" rather than "12 Station Road"
    domains: tuple[str, ...]


_DE_FIRST = (
    "Anna", "Lukas", "Lena", "Jonas", "Marie", "Felix", "Sophie", "Paul", "Laura", "Maximilian",
    "Julia", "Leon", "Hannah", "Tim", "Katharina", "Jan", "Sarah", "Niklas", "Clara", "Moritz",
)  # fmt: skip
_DE_LAST = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Schwarz", "Krüger", "Hartmann",
)  # fmt: skip
_DE_STREETS = (
    "Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schillerstraße", "Lindenweg",
    "Goethestraße", "Bergstraße", "Am Markt", "Kastanienallee", "Mühlenweg",
)  # fmt: skip
_DE_DOMAINS = ("gmx.example", "web.example", "posteo.example", "t-online.example", "mail.example")

REGIONS = (
    Region(
        "DE",
        34,
        _DE_FIRST,
        _DE_LAST,
        (
            ("Berlin", "10115", ""),
            ("Hamburg", "20095", ""),
            ("München", "80331", ""),
            ("Köln", "50667", ""),
            ("Frankfurt am Main", "60311", ""),
            ("Leipzig", "04109", ""),
            ("Stuttgart", "70173", ""),
            ("Düsseldorf", "40213", ""),
            ("Dresden", "01067", ""),
            ("Freiburg im Breisgau", "79098", ""),
            ("Münster", "48143", ""),
            ("Bremen", "28195", ""),
        ),
        _DE_STREETS,
        True,
        _DE_DOMAINS,
    ),
    Region(
        "AT",
        6,
        _DE_FIRST,
        ("Gruber", "Huber", "Bauer", "Wagner", "Pichler", "Steiner", "Moser", "Mayer", "Hofer"),
        (
            ("Wien", "1070", ""),
            ("Graz", "8010", ""),
            ("Linz", "4020", ""),
            ("Salzburg", "5020", ""),
        ),
        ("Neubaugasse", "Herrengasse", "Landstraße", "Getreidegasse", "Mariahilfer Straße"),
        True,
        ("gmx.example", "aon.example", "mail.example"),
    ),
    Region(
        "CH",
        3,
        ("Luca", "Mia", "Noah", "Lea", "Elias", "Lina", "Jonas", "Elena"),
        ("Meier", "Keller", "Brunner", "Baumann", "Frei", "Zimmermann", "Gerber"),
        (("Zürich", "8001", ""), ("Bern", "3011", ""), ("Basel", "4051", "")),
        ("Bahnhofstrasse", "Seestrasse", "Kramgasse", "Freie Strasse"),
        True,
        ("bluewin.example", "gmx.example"),
    ),
    Region(
        "FR",
        9,
        ("Camille", "Louis", "Léa", "Hugo", "Chloé", "Lucas", "Manon", "Jules", "Inès", "Arthur"),
        ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand", "Leroy", "Moreau"),
        (
            ("Paris", "75011", ""),
            ("Lyon", "69002", ""),
            ("Marseille", "13001", ""),
            ("Bordeaux", "33000", ""),
            ("Nantes", "44000", ""),
            ("Lille", "59000", ""),
            ("Toulouse", "31000", ""),
        ),
        ("rue de la République", "rue Victor Hugo", "avenue Jean Jaurès", "rue des Lilas"),
        False,
        ("orange.example", "free.example", "laposte.example"),
    ),
    Region(
        "NL",
        7,
        ("Daan", "Emma", "Sem", "Julia", "Lucas", "Tess", "Finn", "Sophie", "Milan", "Anna"),
        ("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser", "Smit"),
        (
            ("Amsterdam", "1012 AB", ""),
            ("Utrecht", "3511 AA", ""),
            ("Rotterdam", "3011 AA", ""),
            ("Den Haag", "2511 AA", ""),
            ("Eindhoven", "5611 AA", ""),
        ),
        ("Kerkstraat", "Prinsengracht", "Dorpsstraat", "Stationsweg"),
        True,
        ("ziggo.example", "kpn.example", "mail.example"),
    ),
    Region(
        "GB",
        8,
        ("Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Emily", "Charlotte"),
        ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Walker", "Hughes"),
        (
            ("London", "SE1 7PB", ""),
            ("Manchester", "M1 1AE", ""),
            ("Edinburgh", "EH1 1YZ", ""),
            ("Bristol", "BS1 4DJ", ""),
            ("Leeds", "LS1 4AP", ""),
        ),
        ("Station Road", "High Street", "Church Lane", "Victoria Road", "Mill Lane"),
        False,
        ("btinternet.example", "outlook.example", "mail.example"),
    ),
    Region(
        "US",
        7,
        ("James", "Olivia", "Liam", "Emma", "Noah", "Mia", "Ethan", "Harper", "Grace"),
        ("Johnson", "Miller", "Davis", "Garcia", "Rodriguez", "Martinez", "Anderson", "Lee"),
        (
            ("Portland", "97205", "OR"),
            ("Brooklyn", "11211", "NY"),
            ("Austin", "78701", "TX"),
            ("Seattle", "98101", "WA"),
            ("Chicago", "60607", "IL"),
        ),
        ("Main Street", "Oak Avenue", "Maple Drive", "Pine Street"),
        False,
        ("gmail.example", "icloud.example", "outlook.example"),
    ),
    Region(
        "IT",
        5,
        ("Giulia", "Marco", "Francesca", "Luca", "Chiara", "Matteo", "Sara", "Andrea"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo"),
        (
            ("Milano", "20121", ""),
            ("Roma", "00184", ""),
            ("Torino", "10121", ""),
            ("Bologna", "40121", ""),
        ),
        ("Via Roma", "Via Garibaldi", "Corso Italia", "Via Dante"),
        True,
        ("libero.example", "mail.example"),
    ),
    Region(
        "ES",
        5,
        ("Lucía", "Hugo", "Martina", "Pablo", "Sofía", "Daniel", "Carmen", "Javier"),
        ("García", "Fernández", "González", "López", "Martínez", "Sánchez", "Pérez"),
        (
            ("Madrid", "28004", ""),
            ("Barcelona", "08001", ""),
            ("Valencia", "46001", ""),
            ("Sevilla", "41001", ""),
        ),
        ("Calle Mayor", "Calle de Alcalá", "Carrer de Mallorca", "Avenida de la Constitución"),
        True,
        ("telefonica.example", "mail.example"),
    ),
    Region(
        "SE",
        4,
        ("Elsa", "William", "Alice", "Oscar", "Maja", "Hugo", "Astrid", "Nils"),
        ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Lindqvist"),
        (
            ("Stockholm", "111 20", ""),
            ("Göteborg", "411 01", ""),
            ("Malmö", "211 20", ""),
            ("Uppsala", "753 10", ""),
        ),
        ("Storgatan", "Drottninggatan", "Kungsgatan", "Vasagatan"),
        True,
        ("telia.example", "mail.example"),
    ),
)

# Customers who read Simplified Chinese: most in China, some living in Europe.
ZH_SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("周", "zhou"), ("吴", "wu"),
)  # fmt: skip
ZH_GIVEN = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("磊", "lei"),
    ("婷", "ting"), ("杰", "jie"), ("欣怡", "xinyi"), ("子涵", "zihan"), ("浩然", "haoran"),
    ("雨桐", "yutong"),
)  # fmt: skip
ZH_CITIES = (
    ("上海市", "200040", "上海", "南京西路 1266号"),
    ("北京市", "100022", "北京", "建国路 88号"),
    ("广州市", "510620", "广东省", "天河路 208号"),
    ("深圳市", "518048", "广东省", "深南大道 6011号"),
    ("杭州市", "310012", "浙江省", "文三路 90号"),
    ("成都市", "610021", "四川省", "春熙路 19号"),
)
ZH_DOMAINS = ("qq.example", "163.example", "126.example")
ZH_WEIGHT = 12  # against the region weights above
ZH_ABROAD = ("DE", "GB", "FR")  # where zh-hans customers outside China live
ZH_ABROAD_SHARE = 0.3

ORDER_NOTES = (
    "Please leave the parcel with a neighbour if I'm out.",
    "It's a gift — please don't put the invoice in the parcel.",
    "Could you wrap it? It's for my mother's birthday.",
    "Ring twice, the bell is broken.",
    "Please use as little plastic as possible.",
    "Can you ship before Friday? Thank you!",
    "请尽快发货,谢谢!",
    "这是礼物,请不要放发票。",
)


@dataclass(slots=True, eq=False)
class CustomerPlan:
    email: str
    name: str
    language: str
    address: dict
    ip: str
    weight: float  # how often they come back, relative to others
    first_order: "OrderPlan | None" = None


def _ascii(text: str) -> str:
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("å", "a")):
        text = text.replace(a, b).replace(a.upper(), b.capitalize())
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


class People:
    """Makes customers: a name, an unused email address, an address, an IP address."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[str] = set()
        self.regions = [*REGIONS, None]  # None: a customer who reads Simplified Chinese
        self.region_weights = list(accumulate([r.weight for r in REGIONS] + [ZH_WEIGHT]))

    def _email(self, first: str, last: str, domains) -> str:
        rng = self.rng
        f, last = _ascii(first), _ascii(last)
        local = rng.choice(
            (f"{f}.{last}", f"{f}{last}", f"{f[0]}.{last}", f"{f}.{last}{rng.randint(70, 99)}")
        )
        email = f"{local}@{rng.choice(domains)}"
        while email in self.taken:
            email = f"{local}{rng.randint(2, 9999)}@{rng.choice(domains)}"
        self.taken.add(email)
        return email

    def _street(self, region: Region) -> str:
        number = self.rng.randint(1, 140)
        street = self.rng.choice(region.streets)
        return f"{street} {number}" if region.street_first else f"{number} {street}"

    def address(self, name: str, region: Region) -> dict:
        city, postal_code, state = self.rng.choice(region.cities)
        return {
            "name": name,
            "line1": self._street(region),
            "line2": "",
            "city": city,
            "postal_code": postal_code,
            "region": state,
            "country": region.country,
        }

    def ip(self) -> str:
        rng = self.rng
        if rng.random() < 0.4:  # documentation prefixes only (RFC 5737, RFC 3849)
            return f"{rng.choice(('192.0.2', '198.51.100'))}.{rng.randint(1, 254)}"
        a, b, c = rng.randint(1, 0xFFFF), rng.randint(1, 0xFFFF), rng.randint(1, 0xFFF)
        return f"2001:db8:{a:x}:{b:x}::{c:x}"

    def customer(self, region: Region | None = None) -> CustomerPlan:
        rng = self.rng
        if region is None:
            (region,) = rng.choices(self.regions, cum_weights=self.region_weights)
        weight = min(rng.paretovariate(1.6), 40.0)
        if region is not None:
            first, last = rng.choice(region.first_names), rng.choice(region.last_names)
            name = f"{first} {last}"
            return CustomerPlan(
                email=self._email(first, last, region.domains),
                name=name,
                language="en",
                address=self.address(name, region),
                ip=self.ip(),
                weight=weight,
            )
        (surname, surname_py), (given, given_py) = (
            rng.choice(ZH_SURNAMES),
            rng.choice(ZH_GIVEN),
        )
        name = surname + given
        if rng.random() < ZH_ABROAD_SHARE:
            country = rng.choice(ZH_ABROAD)
            abroad = next(r for r in REGIONS if r.country == country)
            address = self.address(name, abroad)
        else:
            city, postal_code, province, street = rng.choice(ZH_CITIES)
            address = {
                "name": name,
                "line1": street,
                "line2": f"{rng.randint(1, 12)}栋 {rng.randint(2, 28)}{rng.randint(1, 4):02d}室",
                "city": city,
                "postal_code": postal_code,
                "region": province,
                "country": "CN",
            }
        email = self._email(given_py, surname_py, ZH_DOMAINS)
        return CustomerPlan(
            email=email,
            name=name,
            language="zh-hans",
            address=address,
            ip=self.ip(),
            weight=weight,
        )
