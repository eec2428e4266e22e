"""Planted identifiers of the HIPAA Safe Harbor kinds in the phrasings billing staff type, and what must survive.

Each entry is ``(sentence, secret)``: after redaction the secret must be gone from every stored and
exported byte. Written for these tests; no real person's details.
"""

from __future__ import annotations

PLANTED: list[tuple[str, str]] = [
    # Names after a title or a cue word.
    ("Patient Jane Roe was billed 64642 twice.", "Jane Roe"),
    ("pt Marisol Quintero-Vance needs 64643 too", "Quintero-Vance"),
    ("Pt. Dmitri Okonkwo had POS 22 on the claim", "Okonkwo"),
    ("Mr. Harold Pemberton asked about modifier 50.", "Pemberton"),
    ("Mrs Beatrix Lindqvist called about her denial", "Lindqvist"),
    ("Ms. Yolanda Ferreira-Diaz, 2nd appeal", "Ferreira-Diaz"),
    ("member Tobias Achterberg says Aetna denied it", "Achterberg"),
    ("subscriber: Priya Raghunathan", "Raghunathan"),
    ("PATIENT: ROSENTHAL, MIRIAM  DOS 03/05/2024", "ROSENTHAL"),
    ("patient name - Callum Fitzgerald", "Fitzgerald"),
    ("Insured Gwendolyn Abernathy, policy 0123", "Abernathy"),
    ("Dr. Ingrid Solberg ordered J0585 200 units", "Solberg"),
    ("Thaddeus Wojcik, DOB 7/4/1950, needs 64642", "Wojcik"),
    ("the patient is Ngozi Adeyemi-Clarke (member ID KPX4471203)", "Adeyemi-Clarke"),
    ("guarantor Lucinda Merriweather will pay", "Merriweather"),
    # Dates of birth.
    ("DOB 03/14/1961, female, G24.3", "03/14/1961"),
    ("date of birth: March 14, 1961", "March 14, 1961"),
    ("born on 14 March 1961 in Ohio", "14 March 1961"),
    ("D.O.B. 1961-03-14 per the face sheet", "1961-03-14"),
    ("dob:3-14-61 and DOS 10/02/2024", "3-14-61"),
    ("birthdate 11.30.1944 on file", "11.30.1944"),
    # Medical record numbers.
    ("MRN: 00123456, seen twice", "00123456"),
    ("MRN 77412093 for the 64642 visit", "77412093"),
    ("MR# 5566-7788 in Epic", "5566-7788"),
    ("medical record number 7788-1234", "7788-1234"),
    ("chart # AB99812 from the clinic", "AB99812"),
    # Member and insurance IDs.
    ("member ID XJH123456789 with Aetna", "XJH123456789"),
    ("member QQX0099 was denied", "QQX0099"),
    ("subscriber #: W2233445566", "W2233445566"),
    ("Medicare number 1EG4-TE5-MK73", "1EG4-TE5-MK73"),
    ("MBI 2ZK8-RW3-PN56 on the CMS-1500", "2ZK8-RW3-PN56"),
    ("Medicaid ID 884412970 in box 1a", "884412970"),
    ("ID# ZGP44120987 on the card", "ZGP44120987"),
    ("policyholder ID: HMO55012XY for the group", "HMO55012XY"),
    # Claim and reference numbers.
    ("claim # 2024ABC99812 was denied", "2024ABC99812"),
    ("claim number: 99887766554", "99887766554"),
    ("claim 2024Q7781 denied for modifier 59", "2024Q7781"),
    ("ICN 2224150123456 from the remit", "2224150123456"),
    ("auth # PA77120045 approved 64642 x2", "PA77120045"),
    ("reference number REF-88231-KX for the call", "REF-88231-KX"),
    # Phone and fax.
    ("call (212) 555-0187 after 5", "555-0187"),
    ("cell 917.555.0123", "917.555.0123"),
    ("fax 1-800-555-0199 to appeals", "555-0199"),
    ("her number is 415 867 5309", "867 5309"),
    ("ph: +1 646 555 0143", "555 0143"),
    # E-mail.
    ("mail jane.doe+billing@example.org today", "jane.doe+billing@example.org"),
    ("reply to M.Okafor@clinic-example.net", "M.Okafor@clinic-example.net"),
    ("patient email: quimby_roe77@mailhost.example.com", "quimby_roe77@mailhost.example.com"),
    # Street addresses.
    ("lives at 1427 Larkspur Lane, Springfield, IL 62704", "1427 Larkspur Lane"),
    ("address: 88 N. Whitcomb Street Apt 4B", "88 N. Whitcomb Street"),
    ("mailed to 3100 Old Mill Road, Dayton, OH", "3100 Old Mill Road"),
    ("send to PO Box 4471", "PO Box 4471"),
    ("home is 402 5th Ave, Unit 12", "402 5th Ave"),
    # Social security numbers.
    ("SSN 219-09-9999 on file", "219-09-9999"),
    ("social security number: 123456789", "123456789"),
    ("her number 078-05-1120 was given", "078-05-1120"),
    ("SS# 345 67 8901", "345 67 8901"),
    # Other Safe Harbor kinds: account, card, IP, licence, age over 89.
    ("account no. AC99812 at the hospital", "AC99812"),
    ("card 4111 1111 1111 1111 on file for copay", "4111 1111 1111 1111"),
    ("portal login from 203.0.113.77 failed", "203.0.113.77"),
    ("driver's license number D4471-2209-88 scanned", "D4471-2209-88"),
    ("a 94-year-old with G24.3", "94-year-old"),
    ("age 97, Medicare primary", "age 97"),
]

MUST_SURVIVE: list[str] = [
    "64642", "64643", "64644", "J0585", "J0586", "G24.3", "G24.1", "G35.A", "I69.331", "0999T", "1234F",
    "modifier 59", "modifier 50", "XS", "-59", "LT", "RT", "POS 22", "POS 11", "place of service 19",
    "208100000X", "Cigna policy 0123", "policy number 2024-0033", "LCD L39240", "article A57486",
    "DOS 03/05/2024", "date of service 10/02/2024", "effective 01/01/2024", "revised 10/01/2025", "CR8863",
    "J0585 x 200 units", "64642-64647",
]
"""Billing codes, policy numbers and dates of service that redaction must keep."""

SURVIVING_NOTE = (
    "Billing: 64642, 64643, 64644 with J0585 and J0586 (J0585 x 200 units); ICD-10-CM G24.3, G24.1, G35.A, "
    "I69.331; Category III 0999T and Category II 1234F; modifier 59, modifier 50, XS, -59, LT and RT; POS 22, "
    "POS 11, place of service 19; taxonomy 208100000X. Cigna policy 0123, policy number 2024-0033, LCD L39240, "
    "article A57486, CR8863. DOS 03/05/2024, date of service 10/02/2024, effective 01/01/2024, revised "
    "10/01/2025; the 64642-64647 family."
)

BARE_NAMES: list[tuple[str, str]] = [
    ("Jane Roe needs 64642 billed again", "Jane Roe"),
    ("spoke with Harold Pemberton about the denial", "Harold Pemberton"),
    ("is Marisol Quintero covered by Aetna?", "Marisol Quintero"),
    ("Tobias Achterberg's claim was denied", "Achterberg"),
    ("for priya raghunathan, is POS 22 right?", "raghunathan"),
    ("Callum Fitzgerald got 200 units of J0585", "Fitzgerald"),
    ("appeal for Gwendolyn Abernathy sent", "Abernathy"),
    ("Dmitri okonkwo called twice", "okonkwo"),
    ("Ingrid and Lars Solberg share a policy", "Solberg"),
    ("re: Ngozi Adeyemi, modifier 50?", "Adeyemi"),
]
"""Names with no cue word (not planted in the zero-survivor test: measured and reported)."""
