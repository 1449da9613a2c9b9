"""What the demo city is made of: its departments and what they bill, and the words its
customers' names, addresses and notes are drawn from. All fictional."""

from __future__ import annotations

from decimal import Decimal

from fiscus.customers.models import Customer

# What a department bills for: (charge code, description, lowest, highest amount, unit price).
# With a unit price the charge is a quantity of units (hours, HCF, responses) at that price; the
# charge code carries the price. Without one the biller prices each invoice (a permit by
# valuation, a repair by its cost) and the code has no price.
Charge = tuple[str, str, int, int, Decimal | None]

# code, name, fund, (revenue account code, account name), its charge codes
DEPARTMENTS: list[tuple[str, str, str, tuple[str, str], list[Charge]]] = [
    (
        "PRK",
        "Parks and Recreation",
        "100",
        ("4100", "Park rentals and program fees"),
        [
            ("PRK-PAVILION", "Picnic pavilion rental, Riverside Park", 75, 450, None),
            ("PRK-HALL", "Community center hall rental", 250, 1200, None),
            ("PRK-FIELD", "Athletic field rental, per hour", 45, 360, Decimal("45.00")),
            ("PRK-TOURNAMENT", "Tournament fee, per team", 150, 900, Decimal("150.00")),
            ("PRK-CAMP", "Summer day camp", 180, 640, None),
        ],
    ),
    (
        "PW",
        "Public Works",
        "100",
        ("4200", "Public works charges"),
        [
            ("PW-ENCROACH", "Encroachment permit and inspection", 150, 900, None),
            ("PW-DAMAGE", "Damage to City property, cost recovery", 450, 6800, None),
            ("PW-STREETLIGHT", "Street light knockdown, repair", 900, 8500, None),
            ("PW-TRAFFIC", "Traffic control plan review", 120, 480, None),
        ],
    ),
    (
        "PD",
        "Police (false alarms)",
        "100",
        ("4300", "False alarm fees"),
        [
            # the first two false alarms in 12 months are free
            ("PD-ALARM3", "False alarm response, 3rd in 12 months", 100, 100, Decimal("100.00")),
            ("PD-ALARM4", "False alarm response, 4th in 12 months", 150, 150, Decimal("150.00")),
            ("PD-ALARM5", "False alarm response, 5th or more", 250, 750, Decimal("250.00")),
            ("PD-PERMIT", "Alarm permit renewal", 35, 35, Decimal("35.00")),
        ],
    ),
    (
        "FIRE",
        "Fire (inspections)",
        "100",
        ("4400", "Fire inspection fees"),
        [
            ("FIRE-INSPECT", "Annual fire and life safety inspection", 135, 650, None),
            ("FIRE-REINSPECT", "Fire re-inspection", 95, 95, Decimal("95.00")),
            ("FIRE-SPRINKLER", "Fire sprinkler plan check", 280, 1400, None),
            ("FIRE-HAZMAT", "Hazardous materials permit", 210, 980, None),
        ],
    ),
    (
        "PLN",
        "Planning and Building (permits)",
        "100",
        ("4500", "Permit and plan check fees"),
        [
            ("PLN-BLDG-RES", "Building permit, residential remodel", 180, 2400, None),
            ("PLN-BLDG-COM", "Building permit, commercial tenant improvement", 900, 12000, None),
            ("PLN-PLANCHECK", "Plan check, hours beyond the deposit", 300, 3500, Decimal("150.00")),
            ("PLN-REINSPECT", "Code enforcement re-inspection", 150, 450, Decimal("150.00")),
        ],
    ),
    (
        "UTL",
        "Utilities (water)",
        "500",
        ("4600", "Water service charges"),
        [
            ("UTL-WATER", "Water service, bi-monthly, per HCF", 45, 420, Decimal("4.85")),
            ("UTL-METER", "Meter installation or replacement", 650, 2400, None),
            ("UTL-HYDRANT", "Hydrant meter rental", 120, 900, None),
            ("UTL-BACKFLOW", "Backflow device test", 65, 140, None),
        ],
    ),
    (
        "LIB",
        "Library",
        "100",
        ("4700", "Library fines and room rentals"),
        [
            ("LIB-ROOM", "Meeting room rental, per hour", 50, 300, Decimal("25.00")),
            ("LIB-LOST", "Lost and damaged materials", 15, 120, None),
            ("LIB-PASSPORT", "Passport photo and services", 15, 60, None),
        ],
    ),
    (
        "FIN",
        "Finance (business licenses)",
        "100",
        ("4800", "Business license fees"),
        [
            ("FIN-LICENSE", "Business license, annual", 50, 1500, None),
            ("FIN-LATE", "Business license late penalty", 25, 250, None),
            ("FIN-TOT", "Transient occupancy tax penalty", 120, 2200, None),
        ],
    ),
]

# Recurring leases and use agreements, billed from schedules that start 12 months ago:
# (department, charge code, description, customer type, frequency, quantity, unit price, ref)
LEASES: list[tuple[str, str, str, str, str, int, Decimal, str]] = [
    (
        "UTL",
        "UTL-TOWER",
        "Cell site lease, Ridge Road water tank",
        Customer.Type.BUSINESS,
        "monthly",
        1,
        Decimal("2850.00"),
        "Lease W-2016-03",
    ),
    (
        "PRK",
        "PRK-CONCESSION",
        "Concession stand lease, Riverside Park",
        Customer.Type.BUSINESS,
        "monthly",
        1,
        Decimal("650.00"),
        "Lease P-2021-07",
    ),
    (
        "PRK",
        "PRK-GARDEN",
        "Community garden plots, Heron Way garden",
        Customer.Type.PERSON,
        "annual",
        2,
        Decimal("85.00"),
        "",
    ),
    (
        "PRK",
        "PRK-JOINTUSE",
        "Joint use of City fields and gym, school year",
        Customer.Type.SCHOOL_DISTRICT,
        "quarterly",
        1,
        Decimal("4200.00"),
        "JUA 2022-01",
    ),
    (
        "LIB",
        "LIB-CAFE",
        "Library cafe lease, Main Library",
        Customer.Type.BUSINESS,
        "monthly",
        1,
        Decimal("425.00"),
        "Lease L-2023-02",
    ),
    (
        "FIRE",
        "FIRE-TOWER",
        "Training tower use, Station 2",
        Customer.Type.AGENCY,
        "quarterly",
        1,
        Decimal("1800.00"),
        "MOU F-2020-11",
    ),
]

# Credit memos: (reason code, what happened, share of the open amount credited; 1 = all of it)
CREDITS_AGAINST_INVOICE: list[tuple[str, str, Decimal]] = [
    ("BILLERR", "Billed at the non-resident rate; the resident rate applies.", Decimal("0.25")),
    ("NOSERVICE", "Reservation cancelled by the City (storm damage); full credit.", Decimal(1)),
    ("BILLERR", "Quantity keyed twice; credit for the extra units.", Decimal("0.5")),
    ("DUPLICATE", "Billed twice for the same service; this copy credited.", Decimal(1)),
    ("GOODWILL", "Late fee waived: first occurrence.", Decimal("0.1")),
    ("BILLERR", "Wrong rate table used; difference credited.", Decimal("0.2")),
]
# Credits left on account: (department, reason code, description)
CREDITS_ON_ACCOUNT: list[tuple[str, str, str]] = [
    ("UTL", "GOODWILL", "Leak adjustment, credit on account"),
    ("PRK", "BILLERR", "Deposit for a cancelled hall rental, held on account"),
    ("PLN", "BILLERR", "Permit fee overcharged, credit on account"),
]
# Debit memos: (department, reason code, description, amount)
DEBIT_MEMOS: list[tuple[str, str, str, Decimal]] = [
    ("PLN", "UNDERBILL", "Plan check hours beyond the deposit, underbilled", Decimal("450.00")),
    ("PRK", "ADDSERVICE", "Extra field preparation and lining", Decimal("185.00")),
]
# Why the AR office sent an invoice back to the Parks biller
RETURN_COMMENTS = [
    "The pavilion is $150 a day at the resident rate; this bills the non-resident rate. "
    "Correct the price and submit it again.",
    "The hall was booked for two days, not one; change the quantity and attach the permit.",
]

# Which departments bill which kinds of customer.
BILLED_BY = {
    Customer.Type.PERSON: ["UTL", "UTL", "UTL", "PRK", "PRK", "LIB", "PD", "PLN"],
    Customer.Type.BUSINESS: ["UTL", "UTL", "FIRE", "FIRE", "PD", "PLN", "FIN", "FIN", "PW", "PRK"],
    Customer.Type.AGENCY: ["PW", "PW", "FIRE", "PRK", "UTL"],
    Customer.Type.SCHOOL_DISTRICT: ["PRK", "PRK", "UTL", "PW", "FIRE"],
}


def _words(text: str, sep: str | None = None) -> list[str]:
    return [w.strip() for w in text.split(sep) if w.strip()]


FIRST = _words(
    "Maria Jose Daniel Jennifer Michael Linda David Patricia James Elizabeth Robert Susan John "
    "Karen Luis Ana Carlos Sofia Miguel Rosa Wei Mei Jun Hana Kenji Priya Arjun Sanjay Anjali "
    "Tuan Linh Minh Thanh Emily Ashley Joshua Andrew Olivia Ethan Noah Emma Ava Isabella "
    "Mateo Camila Diego Valeria Jamal Aaliyah DeShawn Imani Fatima Omar Yusuf Leila Grace "
    "Samuel Ruth Harold Dorothy Walter Frances Gloria Raymond Teresa Victor Marisol Ricardo "
    "Guadalupe Armando Esperanza Hector Dolores Tyler Brianna Kevin Nicole Brandon Megan"
)
LAST = _words(
    "Garcia Hernandez Lopez Martinez Gonzalez Rodriguez Perez Sanchez Ramirez Torres Flores "
    "Rivera Gomez Diaz Reyes Cruz Morales Ortiz Gutierrez Chavez Ramos Ruiz Alvarez Mendoza "
    "Nguyen Tran Le Pham Huynh Vo Chen Wang Li Zhang Liu Huang Kim Park Lee Choi Patel Singh "
    "Shah Kumar Sharma Yamamoto Tanaka Sato Smith Johnson Williams Brown Jones Miller Davis "
    "Wilson Anderson Taylor Thomas Moore Jackson Martin Thompson White Harris Clark Lewis "
    "Robinson Walker Young Allen King Wright Scott Hill Green Adams Baker Nelson Carter "
    "Mitchell Roberts Campbell Parker Evans Edwards Collins Stewart Morris Murphy Cook Rogers "
    "Bell Bailey Cooper Howard Ward Peterson Gray Hughes Price Sanders Bennett Wood Barnes "
    "Ross Henderson Coleman Jenkins Perry Powell Long Patterson Washington Butler Simmons"
)
TRADES = [
    "Plumbing",
    "Construction Inc.",
    "Auto Body",
    "Family Dental",
    "& Sons Roofing",
    "Landscaping",
    "Bakery",
    "Hardware",
    "Properties LLC",
    "Electric",
    "Cafe",
    "Veterinary Clinic",
    "Dry Cleaners",
    "Tire & Brake",
    "Insurance Agency",
    "Law Office",
    "Market",
    "Taqueria",
    "Nail Salon",
    "Heating & Air",
    "Pest Control",
    "Realty",
]
BRANDS = _words(
    "River Valley,Golden Oak,Sierra View,Blue Heron,Redwood,Summit,Cornerstone,Evergreen,"
    "Delta Breeze,Levee Street,Riverbend,Sunrise,Valley Oak,Cottonwood,Sutter Ridge,Granite,"
    "Harvest,Willow Creek,Pacific Crest,Gold Country,Northstar,Bluebird,Three Rivers,Orchard",
    ",",
)
BRAND_NOUNS = [
    "Builders",
    "Coffee Co.",
    "Dental Group",
    "Fitness",
    "Self Storage",
    "Kitchen",
    "Events LLC",
    "Learning Center",
    "Senior Living",
    "Brewing Company",
    "Apartments",
    "Medical Group",
    "Car Wash",
    "Hotel",
    "Grocery",
    "Pharmacy",
    "Logistics",
    "Nursery",
]
PLACES = [
    "Alder County",
    "Northvale",
    "Cedar Creek",
    "Willow Flat",
    "Pine Hollow",
    "Oak Meadow",
    "Sutter Ridge",
    "Riverbend",
    "Feather Bend",
    "Mill Valley Road",
    "Bear Gulch",
    "Dry Creek",
]
AGENCY_KINDS = [
    "Water Agency",
    "Fire Protection District",
    "Transit District",
    "Housing Authority",
    "Sanitation District",
    "Recreation and Park District",
    "Cemetery District",
    "Mosquito Abatement District",
    "Public Works Department",
    "Sheriff's Office",
]
SCHOOL_KINDS = [
    "Unified School District",
    "Elementary School District",
    "Union High School District",
    "Joint Unified School District",
]
STREETS = [
    "Main St",
    "Levee St",
    "River Rd",
    "Oak Ave",
    "Mill St",
    "Cottonwood Dr",
    "Sycamore Ln",
    "Orchard Way",
    "Harbor Blvd",
    "Elm St",
    "Walnut Ave",
    "Ferry St",
    "Bridge St",
    "Sutter Ave",
    "Gold Dust Ct",
    "Heron Way",
    "Almond Dr",
    "Railroad Ave",
    "2nd St",
    "5th St",
    "Citrus Ct",
    "Willow Bend Rd",
    "Canal Dr",
    "Pioneer Blvd",
    "Mariposa Ave",
    "Quail Run",
    "Vista Del Rio",
]
ZIPS = ["95870", "95870", "95872", "95873"]
TITLES = ["Owner", "Office Manager", "Accounts Payable", "Controller", "Bookkeeper", "Manager"]
AGENCY_TITLES = ["Accounts Payable", "Finance Director", "Business Services", "Fiscal Analyst"]
NOTES = [
    "Called about the balance; will pay at the counter on Friday.",
    "Asked for a copy of the invoice by e-mail; sent.",
    "Disputes the late charge; supervisor to review.",
    "Mail returned undeliverable; new address requested.",
    "Prefers e-mail statements.",
    "Set up online bill pay; first payment expected next week.",
    "Left voicemail about past-due balance.",
    "Customer says check was mailed; watch for it.",
]
FLAG_NOTES = {
    "on_hold": "Account on hold pending review of a disputed charge.",
    "cash_only": "Two returned checks; cash, cashier's check or card only.",
    "in_bankruptcy": "Chapter 7 petition filed; automatic stay in effect. No collection action.",
    "in_collections": "Referred to the collection agency after final notice.",
    "deceased": "Notified of death by family; claim to be filed with the estate.",
    "needs_review": "Flagged for review: the address and tax id do not match our records.",
}
