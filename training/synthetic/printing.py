"""Every string a synthetic invoice prints, decided before drawing: labels, meta block, table
rows, totals, bank details, notes and footer, as a ``PrintedInvoice`` for ``render``.

:func:`build_printed` also returns, for each shown header field, the exact string that shows it,
which is what ties the ground truth to the page.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from docai.training.synthetic.facts import Facts
from docai.training.synthetic.formats import (
    format_date,
    format_money,
    format_number,
    format_quantity,
    format_rate,
)
from docai.training.synthetic.identifiers import group_iban
from docai.training.synthetic.labels import (
    DUE_SENTENCE,
    E_INVOICE_STANDARDS,
    FORM_LABELS,
    LABELS,
    NATIONAL_E_INVOICE_STANDARDS,
    VIEWER_MAKERS,
    VIEWER_TITLES,
    draw_labels,
)
from docai.training.synthetic.layouts import LayoutSpec, PrintedInvoice, TotalRow
from docai.training.synthetic.vendors import Vendor, slug

_TOTAL_KEYS = ("subtotal", "net", "tax_total", "gross", "gross_credit", "prepayment", "amount_due")


def labels_for(vendor: Vendor, spec: LayoutSpec) -> dict[str, str]:
    """Every label a vendor prints with a layout: its own style's, else the layout's spelling.

    Example:
        >>> labels_for(make_vendor(3, layout=0, language="de"), LAYOUTS[0])["col_desc"]  # doctest: +SKIP
        'Beschreibung'
    """
    if vendor.style_seed is not None:
        return draw_labels(vendor.style_seed, vendor.language, upper=vendor.labels_upper)
    return {key: variants[spec.label_variant % len(variants)] for key, variants in LABELS[vendor.language].items()}


def build_printed(
    vendor: Vendor, spec: LayoutSpec, facts: Facts, rng: random.Random, *, hidden_text: str | None
) -> tuple[PrintedInvoice, dict[str, str]]:
    """Every printed string, plus for each shown header field the string that shows it."""
    lang = vendor.language
    label = labels_for(vendor, spec)
    v, shown = facts.values, facts.shown
    nf = vendor.number_format
    credit = v["document_type"] == "credit_note"
    currency = str(v["currency"])
    printed: dict[str, str] = {}

    def num(value: object) -> str:
        return format_number(Decimal(str(value)), nf)

    def money(value: object) -> str:
        style = spec.currency_style if spec.currency_style != "header" else "none"
        return format_money(Decimal(str(value)), number_format=nf, currency=currency, style=style, language=lang)

    def day(value: object) -> str:
        assert isinstance(value, date)
        return format_date(value, vendor.date_format)

    def rate(value: Decimal) -> str:
        return format_rate(value, nf, spaced=spec.spaced_rate)

    vendor_name = str(v["vendor_name"])
    vendor_address = str(v["vendor_address"]).split(", ")
    printed["vendor_name"] = vendor_name
    printed["vendor_address"] = str(v["vendor_address"])
    contact = [f"{label['phone']} {vendor.phone}", f"{label['email']} {vendor.email}"]
    if rng.random() < 0.5:
        contact.append(vendor.website)
    vat_line = f"{label['vat_id']}: {v['vendor_tax_id']}"
    if "vendor_tax_id" in shown:
        printed["vendor_tax_id"] = str(v["vendor_tax_id"])

    # Meta block: number and date first, then whatever else this invoice shows.
    number_label = label["credit_number"] if credit else label["invoice_number"]
    number = str(v["invoice_number"])
    printed["invoice_number"] = number
    printed["invoice_date"] = day(v["invoice_date"])
    meta: list[tuple[str, str]] = [(number_label, number), (label["invoice_date"], printed["invoice_date"])]
    if facts.delivery_date:
        meta.append((label["delivery_date"], day(facts.delivery_date)))
    if facts.customer_number:
        meta.append((label["customer_number"], facts.customer_number))
    if facts.original_invoice:
        meta.append((label["original_invoice"], facts.original_invoice))
    if "purchase_order" in shown:
        printed["purchase_order"] = str(v["purchase_order"])
        meta.append((label["purchase_order"], printed["purchase_order"]))
    notes: list[str] = []
    if "due_date" in shown:
        printed["due_date"] = day(v["due_date"])
        if facts.due_in_meta:
            meta.append((label["due_date"], printed["due_date"]))
        else:
            notes.append(rng.choice(DUE_SENTENCE[lang]).format(date=printed["due_date"]))
    if "payment_terms" in shown:
        printed["payment_terms"] = str(v["payment_terms"])
        if facts.terms_in_meta and len(printed["payment_terms"]) <= 28 and spec.meta_style != "row":
            meta.append((label["payment_terms"], printed["payment_terms"]))
        else:
            notes.insert(0, f"{label['payment_terms']}: {printed['payment_terms']}")
    if facts.currency_in_meta:
        meta.append((label["currency"], currency))
    if "vendor_tax_id" in shown and spec.taxid_pos == "meta":
        meta.append((label["vat_id"], str(v["vendor_tax_id"])))
    printed["currency"] = currency

    # Table.
    headers = {
        "pos": label["col_pos"],
        "code": label["col_code"],
        "desc": label["col_desc"],
        "qty": label["col_qty"],
        "unit": label["col_unit"],
        "qty_unit": label["col_qty"],
        "price": label["col_price"],
        "tax": label["col_tax"],
        "amount": label["col_amount"],
    }
    if spec.currency_style == "header":
        headers["price"] += f" ({currency})"
        headers["amount"] += f" ({currency})"
    pos_step = 10 if spec.label_variant == 3 else 1
    rows = []
    running = Decimal(0)
    for index, item in enumerate(facts.items, start=1):
        running += item.amount
        rows.append(
            {
                "pos": str(index * pos_step),
                "code": item.code,
                "desc": item.description,
                "qty": format_quantity(item.quantity, nf),
                "unit": item.unit,
                "qty_unit": f"{format_quantity(item.quantity, nf)} {item.unit}",
                "price": num(item.unit_price),
                "tax": rate(item.rate),
                "amount": num(item.amount),
                "running": num(running),  # for carried-forward rows at page breaks
            }
        )

    # Totals.
    totals: list[TotalRow] = []
    if vendor.label_colon:  # a vendor that writes colons writes them in the totals too
        label = {**label, **{key: f"{label[key]}:" for key in _TOTAL_KEYS}}
    if facts.discount_percent is not None:
        totals.append(TotalRow(label["subtotal"], money(facts.subtotal)))
        totals.append(TotalRow(f"{label['discount']} {rate(facts.discount_percent)}", money(-facts.discount)))
    printed["total_net"] = money(v["total_net"])
    totals.append(TotalRow(label["net"], printed["total_net"]))
    tax_table = None
    printed["total_tax"] = money(v["total_tax"])
    if spec.tax_style == "lines":
        for tax_rate, base, amount in facts.taxes:
            totals.append(TotalRow(label["tax_line"].format(rate=rate(tax_rate), base=num(base)), money(amount)))
        # With one rate its tax line is the total; print a total line only when it says more.
        if len(facts.taxes) > 1 or v["total_tax"] != facts.taxes[0][2]:
            totals.append(TotalRow(label["tax_total"], printed["total_tax"]))
    else:
        tax_table = (
            (label["tax_table_rate"], label["tax_table_base"], label["tax_table_amount"]),
            [(rate(r), num(b), num(a)) for r, b, a in facts.taxes],
        )
        totals.append(TotalRow(label["tax_total"], printed["total_tax"]))
    printed["total_gross"] = money(v["total_gross"])
    totals.append(TotalRow(label["gross_credit"] if credit else label["gross"], printed["total_gross"], strong=True))
    if "amount_due" in shown:
        if facts.prepayment:
            totals.append(TotalRow(label["prepayment"], money(-facts.prepayment)))
        printed["amount_due"] = money(v["amount_due"])
        totals.append(TotalRow(label["amount_due"], printed["amount_due"], strong=True))

    # Bank details.
    bank_lines: list[str] = []
    if "iban" in shown:
        iban = str(v["iban"])
        printed["iban"] = group_iban(iban) if spec.iban_grouped and " " not in iban else iban
        if facts.holder_shown:
            bank_lines.append(f"{label['account_holder']}: {vendor_name}")
        if facts.bank_name_shown:
            bank_lines.append(f"{label['bank_name']}: {vendor.bank_name}")
        bank_lines.append(f"IBAN: {printed['iban']}")
        if "bic" in shown:
            printed["bic"] = str(v["bic"])
            bank_lines.append(f"{label['bic']}: {printed['bic']}")

    if credit:
        notes.append(label["credit_note_text"])
    notes.append(label["thanks"])
    notes = [note for note in notes if note]

    ids = [vendor.register, label["director"].format(n=vendor.director)]
    if "vendor_tax_id" in shown and spec.taxid_pos == "footer":
        ids.append(vat_line)
    footer_columns: list[list[str]] = []
    if spec.bank_pos == "footer" or spec.taxid_pos == "footer":
        footer_columns = [
            [vendor_name, *vendor_address],
            contact + ([] if len(contact) > 2 else [vendor.website]),
        ]
        if spec.bank_pos == "footer" and bank_lines:
            footer_columns.append(bank_lines)
        footer_columns.append(ids)

    customer_extra = []
    if "customer_tax_id" in shown:
        printed["customer_tax_id"] = str(v["customer_tax_id"])
        customer_extra.append(f"{label['customer_vat_id']}: {printed['customer_tax_id']}")
    printed["customer_name"] = str(v["customer_name"])
    title = label["title_credit"] if credit else label["title_invoice"]
    banner: list[str] = []
    form_labels: dict[str, str] = {}
    if spec.form:  # draws from rng only here, so the designed layouts stay as they were
        form_labels = {key: variants[spec.label_variant % len(variants)] for key, variants in FORM_LABELS[lang].items()}
        form_labels["seller"] = label["from"]
        standards = E_INVOICE_STANDARDS + NATIONAL_E_INVOICE_STANDARDS.get(lang, ())
        banner = [
            f"{rng.choice(VIEWER_TITLES[lang])} © {rng.choice(VIEWER_MAKERS)} {rng.randint(2019, 2026)}",
            f"{form_labels['standard']}: {rng.choice(standards)}",
            f"{form_labels['input_file']}: {slug(number)}_{rng.randint(100, 999)}.xml",
        ]
        if rng.random() < 0.5:
            banner.append(f"{form_labels['viewer_version']}: {rng.randint(1, 3)}.{rng.randint(0, 9)}")
    intro = label["intro_credit" if credit else "intro"] if spec.intro else ""
    doc = PrintedInvoice(
        title=title,
        vendor_name=vendor_name,
        vendor_address=vendor_address,
        vendor_contact=contact,
        vendor_ids=[vat_line] if "vendor_tax_id" in shown and spec.taxid_pos == "header" else [],
        sender_line=" · ".join([vendor_name, *vendor_address]),
        customer_heading=label["bill_to"],
        customer_name=printed["customer_name"],
        customer_lines=facts.customer_lines,
        customer_extra=customer_extra,
        meta=meta,
        intro=intro,
        columns=[(key, headers[key]) for key in spec.columns],
        rows=rows,
        totals=totals,
        tax_table=tax_table,
        notes=notes,
        bank_heading=label["bank"],
        bank_lines=bank_lines,
        footer_columns=footer_columns,
        page_label=label["page"],
        continuation=f"{title} {number} – {label['continued']}",
        hidden_text=hidden_text,
        banner=banner,
        form_labels=form_labels,
        carry_labels=(label["carried_forward"], label["brought_forward"]),
        wrap_headers=vendor.style_seed is not None,  # the original vendors' tables stay as they were
    )
    return doc, {name: printed[name] for name in printed if name in shown}
