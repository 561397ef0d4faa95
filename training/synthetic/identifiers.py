"""Identifiers on a synthetic invoice that carry check digits: IBANs with their banks, and VAT ids.

Every IBAN passes the mod-97 check and is built from a national BBAN with its own check digits
(French RIB key, Spanish CCC, Italian CIN, Dutch account); every VAT id follows its country's
format and checksum. Both have an ``original`` mode that draws exactly as the first version did.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


def iban_check_digits(country: str, bban: str) -> str:
    """ISO 13616 check digits for a country code and BBAN."""
    digits = "".join(str(int(ch, 36)) for ch in (bban + country + "00").upper())
    return f"{98 - int(digits) % 97:02d}"


def is_valid_iban(iban: str) -> bool:
    """Whether an IBAN (spaces allowed) passes the mod-97 check."""
    compact = iban.replace(" ", "").upper()
    if len(compact) < 15 or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


_BANKS: dict[str, tuple[tuple[str, str, str], ...]] = {
    # (bank code used in the BBAN, BIC, bank name)
    "DE": (
        ("37040044", "COBADEFFXXX", "Commerzbank"),
        ("50070010", "DEUTDEFFXXX", "Deutsche Bank"),
        ("70150000", "SSKMDEMMXXX", "Stadtsparkasse München"),
        ("10050000", "BELADEBEXXX", "Berliner Sparkasse"),
        ("20050550", "HASPDEHHXXX", "Hamburger Sparkasse"),
    ),
    "FR": (
        ("30004", "BNPAFRPPXXX", "BNP Paribas"),
        ("30003", "SOGEFRPPXXX", "Société Générale"),
        ("30006", "AGRIFRPPXXX", "Crédit Agricole"),
        ("10107", "BREDFRPPXXX", "BRED Banque Populaire"),
    ),
    "GB": (
        ("NWBK", "NWBKGB2L", "NatWest"),
        ("BARC", "BARCGB22", "Barclays"),
        ("LOYD", "LOYDGB2L", "Lloyds Bank"),
        ("HBUK", "HBUKGB4B", "HSBC UK"),
        ("MIDL", "MIDLGB22", "HSBC"),
    ),
    "CH": (
        ("00230", "UBSWCHZH80A", "UBS Switzerland AG"),
        ("04835", "CRESCHZZ80A", "Credit Suisse"),
        ("00700", "ZKBKCHZZ80A", "Zürcher Kantonalbank"),
        ("09000", "POFICHBEXXX", "PostFinance"),
    ),
    "NL": (
        ("ABNA", "ABNANL2A", "ABN AMRO"),
        ("INGB", "INGBNL2A", "ING Bank"),
        ("RABO", "RABONL2U", "Rabobank"),
        ("TRIO", "TRIONL2U", "Triodos Bank"),
        ("KNAB", "KNABNL2H", "Knab"),
    ),
    "ES": (
        ("2100", "CAIXESBBXXX", "CaixaBank"),
        ("0049", "BSCHESMMXXX", "Banco Santander"),
        ("0182", "BBVAESMMXXX", "BBVA"),
        ("0081", "BSABESBBXXX", "Banco Sabadell"),
        ("0128", "BKBKESMMXXX", "Bankinter"),
    ),
    "IT": (
        ("03069", "BCITITMMXXX", "Intesa Sanpaolo"),
        ("02008", "UNCRITMMXXX", "UniCredit"),
        ("05034", "BAPPIT21XXX", "Banco BPM"),
        ("05387", "BPMOIT22XXX", "BPER Banca"),
        ("01030", "PASCITMMXXX", "Monte dei Paschi di Siena"),
    ),
    "BE": (
        ("001", "GEBABEBBXXX", "BNP Paribas Fortis"),
        ("068", "GKCCBEBBXXX", "Belfius"),
        ("363", "BBRUBEBBXXX", "ING Belgium"),
        ("735", "KREDBEBBXXX", "KBC Bank"),
    ),
    "AT": (
        ("20111", "GIBAATWWXXX", "Erste Bank"),
        ("12000", "BKAUATWWXXX", "UniCredit Bank Austria"),
        ("32000", "RLNWATWWXXX", "Raiffeisenlandesbank NÖ-Wien"),
        ("14000", "BAWAATWWXXX", "BAWAG"),
    ),
}


def _fr_rib_key(bank: str, branch: str, account: str) -> str:
    return f"{97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97:02d}"


def _es_ccc_digit(digits: str) -> str:
    # Spanish CCC ("dígito de control"): weights 2**i mod 11, folded to one digit.
    check = sum(int(d) * 2**i for i, d in enumerate(digits)) % 11
    return str(check if check < 2 else 11 - check)


# Italian CIN: a letter from the odd-position table and the even-position values, mod 26.
_IT_CIN_ODD = (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23)


def _it_cin(abi_cab_account: str) -> str:
    total = 0
    for i, ch in enumerate(abi_cab_account.upper()):
        value = int(ch) if ch.isdigit() else ord(ch) - ord("A")
        total += _IT_CIN_ODD[value] if i % 2 == 0 else value
    return chr(ord("A") + total % 26)


def _nl_account(rng: random.Random) -> str:
    # Ten digits passing the Dutch "elfproef" (weights 10..1, sum divisible by 11).
    while True:
        digits = _digits(rng, 9)
        last = -sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if last < 10:  # the last digit has weight 1, so it must make up the rest alone
            return digits + str(last)


@dataclass(frozen=True)
class BankAccount:
    """A bank account with a valid IBAN and the BIC of its bank."""

    iban: str
    bic: str
    bank_name: str


def bank_account(rng: random.Random, country: str, *, original: bool = False) -> BankAccount:
    """A bank account whose IBAN passes mod-97 and the country's own account check where it has one.

    Args:
        rng: The random source.
        country: ISO 3166 code of the bank's country.
        original: Draw a Dutch account the way the first version did (mod-97 only), so vendors on
            the original path keep their output.
    """
    code, bic, bank_name = rng.choice(_BANKS[country])
    if country == "DE":
        bban = code + _digits(rng, 10)
    elif country == "FR":
        branch, account = _digits(rng, 5), _digits(rng, 11)
        bban = code + branch + account + _fr_rib_key(code, branch, account)
    elif country == "GB":
        bban = code + _digits(rng, 6) + _digits(rng, 8)
    elif country == "CH":
        bban = code + _digits(rng, 12)
    elif country == "NL":
        bban = code + (_digits(rng, 10) if original else _nl_account(rng))
    elif country == "ES":
        branch, account = _digits(rng, 4), _digits(rng, 10)
        bban = code + branch + _es_ccc_digit("00" + code + branch) + _es_ccc_digit(account) + account
    elif country == "IT":
        rest = code + _digits(rng, 5) + "0000" + _digits(rng, 8)  # ABI, CAB, zero-padded account
        bban = _it_cin(rest) + rest
    elif country == "BE":
        body = code + _digits(rng, 7)
        bban = body + f"{int(body) % 97 or 97:02d}"
    elif country == "AT":
        bban = code + _digits(rng, 11)
    else:
        raise ValueError(f"no IBAN scheme for country {country!r}")
    if bic.endswith("XXX") and rng.random() < 0.5:
        bic = bic[:8]  # both the 8- and the 11-character form are in use
    return BankAccount(iban=country + iban_check_digits(country, bban) + bban, bic=bic, bank_name=bank_name)


def group_iban(iban: str) -> str:
    """The IBAN in the printed form, groups of four."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def _de_vat_check(digits: str) -> str:
    # ISO 7064 MOD 11,10 as used by the German Bundeszentralamt für Steuern.
    product = 10
    for ch in digits:
        total = (int(ch) + product) % 10 or 10
        product = (2 * total) % 11
    return str((11 - product) % 10)


def _luhn_sum(digits: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10


def _luhn_complete(digits: str) -> str:
    for check in range(10):
        if _luhn_sum(digits + str(check)) == 0:
            return digits + str(check)
    raise AssertionError("unreachable")


def vat_id(rng: random.Random, country: str, *, language: str, original: bool = False) -> str:
    """A VAT identification number in the country's format, with correct check digits.

    Args:
        rng: The random source.
        country: ISO 3166 code.
        language: The document's language (Swiss numbers end in "MWST", "TVA", "IVA" or "VAT").
        original: Draw a Dutch number the way the first version did (no check digit), so
            vendors on the original path keep their output; every other number is valid.
    """
    if country == "DE":
        body = str(rng.randint(1, 9)) + _digits(rng, 7)
        return "DE" + body + _de_vat_check(body)
    if country == "FR":
        siren = _luhn_complete(str(rng.randint(1, 9)) + _digits(rng, 7))
        key = (12 + 3 * (int(siren) % 97)) % 97
        return f"FR{key:02d}{siren}"
    if country == "GB":
        body = str(rng.randint(1, 9)) + _digits(rng, 6)
        weighted = sum(w * int(d) for w, d in zip(range(8, 1, -1), body, strict=True))
        return f"GB{body}{(-weighted) % 97:02d}"
    if country == "NL" and original:
        return f"NL{_digits(rng, 9)}B{rng.randint(1, 3):02d}"
    if country == "NL":
        while True:  # RSIN: weights 9..2 on eight digits, the ninth is the sum mod 11
            body = _digits(rng, 8)
            check = sum(int(d) * w for d, w in zip(body, range(9, 1, -1), strict=True)) % 11
            if check < 10 and int(body) > 0:
                return f"NL{body}{check}B{rng.randint(1, 3):02d}"
    if country == "CH":
        while True:
            body = _digits(rng, 8)
            check = 11 - sum(w * int(d) for w, d in zip((5, 4, 3, 2, 7, 6, 5, 4), body, strict=True)) % 11
            if check != 10:
                uid = body + str(check % 11)
                break
        suffix = {"de": "MWST", "fr": "TVA", "en": "VAT", "it": "IVA"}.get(language, "MWST")
        return f"CHE-{uid[:3]}.{uid[3:6]}.{uid[6:]} {suffix}"
    if country == "ES":
        # CIF of a company: A (S.A.) or B (S.L.), province and sequence digits, Luhn check digit.
        return "ES" + rng.choice("ABBB") + _luhn_complete(_digits(rng, 7))
    if country == "IT":
        # Partita IVA: company number, office code 001-100, Luhn check digit.
        return "IT" + _luhn_complete(f"{rng.randint(1, 9999999):07d}{rng.randint(1, 100):03d}")
    if country == "BE":
        body = "0" + str(rng.randint(2, 9)) + _digits(rng, 6)
        return f"BE{body}{97 - int(body) % 97:02d}"
    if country == "AT":
        body = _digits(rng, 7)
        return f"ATU{body}{(6 - _luhn_sum(body)) % 10}"
    raise ValueError(f"no VAT id scheme for country {country!r}")
