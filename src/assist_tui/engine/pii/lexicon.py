"""Word tables the normalizer and the detectors share: numbers, fillers, cues, months."""

from __future__ import annotations

UNITS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9", "nought": "0",
    "naught": "0", "nil": "0",
}  # fmt: skip
ZEROS = {"zero", "oh", "o", "nought", "naught", "nil"}
TEENS = {
    "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
}  # fmt: skip
TENS = {
    "twenty": "2", "thirty": "3", "forty": "4", "fourty": "4", "fifty": "5", "sixty": "6",
    "seventy": "7", "eighty": "8", "ninety": "9",
}  # fmt: skip
REPEAT = {"double": 2, "triple": 3, "treble": 3}
NUMBER_WORDS = frozenset({*UNITS, *TEENS, *TENS, "hundred", *REPEAT}) - {"o", "nil"}

# Said between the digits of one number: they neither end the run nor add digits.
FILLERS = frozenset(
    {"um", "uh", "er", "erm", "uhm", "umm", "uhh", "ah", "eh", "hmm", "mm", "mhm", "sorry",
     "like", "so", "okay", "ok", "wait", "right", "yeah", "yes", "and", "then", "actually",
     "oops", "no", "hold", "on", "uh-huh"}
)  # fmt: skip
FILLER_PHRASES = (
    ("let", "me", "see"), ("let", "me", "check"), ("hang", "on"), ("one", "moment"),
    ("i", "mean"), ("i", "think"), ("hold", "on"), ("it's",), ("that's",), ("is",),
    ("just", "a", "sec"), ("bear", "with", "me"), ("where", "was", "i"), ("let's", "see"),
    ("the", "rest", "is"), ("and", "then"), ("got", "it"), ("you", "know"),
)  # fmt: skip
SEPARATORS = frozenset({"dash", "hyphen", "space", "slash", "dot"})  # between digits only
# A run next to one of these is an amount, a time or a quantity, never an identifier.
UNIT_AFTER = frozenset(
    {"dollars", "dollar", "bucks", "cents", "pounds", "pound", "pence", "euros", "euro",
     "percent", "%", "am", "pm", "a.m.", "p.m.", "o'clock", "minutes", "minute", "hours",
     "hour", "days", "day", "weeks", "week", "months", "month", "years", "year", "miles",
     "items", "times", "gb", "mb", "kg", "lbs", "thousand", "million", "grand",
     "k", "quid", "points", "point", "units", "rings", "seconds", "people", "calls", "texts",
     "payments", "installments", "shares", "pieces", "boxes", "packs", "ounces", "feet"}
)  # fmt: skip
BREAKERS = frozenset({"thousand", "million", "billion", "point", "or", "to", "of", "plus", "minus"})

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip

# Cue phrases, nearest wins. "NEG" marks a number that is not personal (an order number).
CUES: dict[tuple[str, ...], str] = {
    ("card",): "CARD", ("card", "number"): "CARD", ("visa",): "CARD", ("mastercard",): "CARD",
    ("amex",): "CARD", ("debit",): "CARD", ("credit",): "CARD", ("long", "number"): "CARD",
    ("security", "code"): "CVV", ("cvv",): "CVV", ("cvc",): "CVV", ("cv2",): "CVV",
    ("csc",): "CVV", ("three", "digit", "code"): "CVV", ("digits", "on", "the", "back"): "CVV",
    ("back", "of", "the", "card"): "CVV", ("code",): "CODE", ("the", "back"): "CVV",
    ("expires",): "EXPIRY", ("expiry",): "EXPIRY", ("expiration",): "EXPIRY",
    ("exp",): "EXPIRY", ("expiring",): "EXPIRY", ("valid", "thru"): "EXPIRY",
    ("valid", "through"): "EXPIRY", ("good", "thru"): "EXPIRY", ("good", "through"): "EXPIRY",
    ("expiry", "date"): "EXPIRY", ("expire",): "EXPIRY", ("expired",): "EXPIRY",
    ("runs", "out"): "EXPIRY", ("valid", "to"): "EXPIRY", ("end", "date"): "EXPIRY",
    ("valid", "until"): "EXPIRY",
    ("account",): "ACCOUNT", ("account", "number"): "ACCOUNT", ("acct",): "ACCOUNT",
    ("checking",): "ACCOUNT", ("savings",): "ACCOUNT", ("account", "no"): "ACCOUNT",
    ("sort", "code"): "SORTCODE", ("sortcode",): "SORTCODE", ("routing",): "ROUTING",
    ("aba",): "ROUTING", ("transit", "number"): "ROUTING", ("iban",): "IBAN",
    ("social",): "SSN", ("ssn",): "SSN", ("socials",): "SSN", ("social", "security"): "SSN",
    ("tax", "id"): "SSN", ("national", "insurance"): "NINO", ("ni", "number"): "NINO",
    ("nino",): "NINO", ("insurance", "number"): "NINO",
    ("birth",): "DOB", ("born",): "DOB", ("birthday",): "DOB", ("dob",): "DOB",
    ("d.o.b",): "DOB", ("d", "o", "b"): "DOB", ("birthdate",): "DOB", ("zip",): "POSTCODE",
    ("zip", "code"): "POSTCODE",
    ("zipcode",): "POSTCODE", ("postcode",): "POSTCODE", ("post", "code"): "POSTCODE",
    ("postal", "code"): "POSTCODE", ("address",): "ADDRESS", ("live", "at"): "ADDRESS",
    ("phone",): "PHONE", ("cell",): "PHONE", ("mobile",): "PHONE", ("telephone",): "PHONE",
    ("callback",): "PHONE", ("reach", "me"): "PHONE", ("call", "me"): "PHONE",
    ("number", "is"): "NUMBER", ("landline",): "PHONE", ("area", "code"): "PHONE",
    ("call", "back"): "PHONE", ("text", "me"): "PHONE", ("extension",): "NEG",
    ("order",): "NEG", ("policy",): "NEG", ("claim",): "NEG", ("reference",): "NEG",
    ("confirmation",): "NEG", ("ticket",): "NEG", ("case",): "NEG", ("invoice",): "NEG",
    ("tracking",): "NEG", ("member",): "NEG", ("membership",): "NEG", ("transaction",): "NEG",
    ("receipt",): "NEG", ("booking",): "NEG", ("reservation",): "NEG", ("model",): "NEG",
    ("serial",): "NEG", ("item",): "NEG", ("product",): "NEG", ("promo",): "NEG",
    ("discount",): "NEG", ("voucher",): "NEG", ("coupon",): "NEG", ("flight",): "NEG",
    ("confirmation", "code"): "NEG", ("promo", "code"): "NEG", ("discount", "code"): "NEG",
    ("reference", "code"): "NEG", ("verification", "code"): "NEG", ("error", "code"): "NEG",
    ("part",): "NEG", ("sku",): "NEG", ("batch",): "NEG", ("ref",): "NEG", ("quote",): "NEG",
    ("shipment",): "NEG", ("parcel",): "NEG", ("package",): "NEG", ("dispute",): "NEG",
    ("incident",): "NEG", ("request",): "NEG", ("bill",): "NEG", ("statement",): "NEG",
    ("store",): "NEG", ("room",): "NEG", ("gate",): "NEG", ("seat",): "NEG", ("pin",): "NEG",
    ("vehicle",): "NEG", ("registration",): "NEG", ("contract",): "NEG", ("loan",): "NEG",
    ("page",): "NEG", ("version",): "NEG", ("plan",): "NEG", ("agent",): "NEG",
    ("employee",): "NEG", ("customer", "number"): "NEG", ("customer", "id"): "NEG",
}  # fmt: skip
US_STATES = (
    "alabama",
    "alaska",
    "arizona",
    "arkansas",
    "california",
    "colorado",
    "connecticut",
    "delaware",
    "florida",
    "georgia",
    "hawaii",
    "idaho",
    "illinois",
    "indiana",
    "iowa",
    "kansas",
    "kentucky",
    "louisiana",
    "maine",
    "maryland",
    "massachusetts",
    "michigan",
    "minnesota",
    "mississippi",
    "missouri",
    "montana",
    "nebraska",
    "nevada",
    "ohio",
    "oklahoma",
    "oregon",
    "pennsylvania",
    "tennessee",
    "texas",
    "utah",
    "vermont",
    "virginia",
    "washington",
    "wisconsin",
    "wyoming",
)
# A ZIP code follows the state in an address ("Austin, Texas, seven eight seven oh one").
CUES.update({(state,): "ADDRESS" for state in US_STATES})
_TWO_WORD_STATES = (
    [("new", w) for w in ("hampshire", "jersey", "mexico", "york")]
    + [(w, "carolina") for w in ("north", "south")]
    + [(w, "dakota") for w in ("north", "south")]
    + [("rhode", "island"), ("west", "virginia")]
)
for _state in _TWO_WORD_STATES:
    CUES[_state] = "ADDRESS"
CUE_MAX_WORDS = max(len(k) for k in CUES)

STREET_WORDS = frozenset(
    {"street", "st", "road", "rd", "avenue", "ave", "lane", "ln", "drive", "dr", "boulevard",
     "blvd", "court", "ct", "place", "pl", "way", "close", "crescent", "terrace", "parkway",
     "pkwy", "circle", "cir", "highway", "hwy", "square", "sq", "grove", "gardens", "row",
     "mews", "trail", "walk", "hill", "park", "plaza", "alley", "pike", "loop", "run",
     "path", "broadway", "view", "rise", "green", "crossing", "point", "ridge", "route"}
)  # fmt: skip
# Words that never sit between a house number and its street word.
NOT_STREET_NAME = frozenset(
    {"the", "a", "an", "my", "your", "our", "their", "his", "her", "its", "on", "in", "of",
     "to", "for", "at", "by", "with", "and", "or", "more", "other", "same", "wrong", "right",
     "is", "was", "be", "it", "this", "that", "these", "those", "i", "you", "we", "they",
     "me", "out", "off", "all", "some", "any", "no", "not", "just", "only", "about", "from",
     "ago", "times", "minutes", "hours", "days", "weeks", "months", "years", "dollars",
     "cents", "items", "calls", "people", "way", "less", "payments", "been", "have",
     "has", "had", "into", "onto", "over", "under", "up", "down", "back", "hold", "percent",
     "then", "than", "so", "if", "but", "get", "got", "go", "went", "take", "took", "per",
     "each", "every", "last", "next", "first", "second", "third", "extra", "free",
     "open", "closed", "different", "long", "short", "big", "small", "whole", "half"}
)  # fmt: skip
DIRECTIONS = frozenset(
    {"north", "south", "east", "west", "n", "s", "e", "w", "ne", "nw", "se", "sw"}
)
UNIT_WORDS = frozenset({"apartment", "apt", "unit", "suite", "flat", "floor", "ste", "#"})

TLDS = frozenset(
    {"com", "net", "org", "edu", "gov", "io", "co", "uk", "us", "ca", "ie", "de", "info", "biz",
     "au", "fr", "nl", "me", "mail"}
)  # fmt: skip
EMAIL_JOINERS = {"dot": ".", "period": ".", "underscore": "_", "dash": "-", "hyphen": "-"}
MAIL_HOSTS = frozenset(
    {"gmail", "yahoo", "hotmail", "outlook", "aol", "icloud", "protonmail", "live", "msn",
     "comcast", "verizon", "att", "btinternet", "sky", "mail", "me", "mac"}
)  # fmt: skip
NAME_CUES = frozenset(
    {"name", "spell", "spelled", "spelt", "spelling", "surname", "lastname", "firstname",
     "initials", "maiden"}
)  # fmt: skip
NATO = frozenset(
    {"alpha", "alfa", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
     "juliet", "juliett", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec",
     "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray", "x-ray", "yankee",
     "zulu"}
)  # fmt: skip
