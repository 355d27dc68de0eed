"""How the same register looks when exported by HXL-aware tools, KoBoToolbox or Excel."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xlsxwriter

HXL_TAGS: dict[str, str] = {
    "record_id": "#affected+id", "interview_date": "#date+interview", "sex": "#sex", "age": "#age",
    "nationality": "#country+code+nationality", "country_of_birth": "#country+code+birth",
    "ethnicity": "#group+ethnicity", "languages": "#language+code", "host_language_level": "#language+level",
    "district": "#adm2+code", "migration_status": "#status+migration", "purpose": "#reason+migration",
    "origin_country": "#country+code+origin", "transit_countries": "#country+code+transit",
    "entry_point": "#loc+entry+code", "entry_mode": "#loc+entry+type", "arrival_year": "#date+year+arrival",
    "unaccompanied_minor": "#indicator+uasc", "wg_seeing": "#indicator+wg+seeing",
    "wg_hearing": "#indicator+wg+hearing", "wg_walking": "#indicator+wg+walking",
    "wg_cognition": "#indicator+wg+cognition", "wg_self_care": "#indicator+wg+selfcare",
    "wg_communication": "#indicator+wg+communication", "sector_isic": "#sector+isic",
    "informal_work": "#indicator+informal", "employer_holds_documents": "#indicator+documents_held",
    "unpaid_wages": "#indicator+unpaid_wages", "isco_major": "#occupation+isco", "isced_level": "#education+isced",
    "diaspora": "#indicator+diaspora", "household_id": "#household+id", "sampling_weight": "#weight",
    "consent_purposes": "#meta+consent+purposes", "consent_date": "#date+consent",
    "consent_withdrawn": "#meta+consent+withdrawn", "full_name": "#contact+name", "phone": "#contact+phone",
    "document_number": "#meta+document",
}
KOBO_GROUPS: dict[str, str] = {
    **{c: "group_person" for c in ("sex", "age", "nationality", "country_of_birth", "ethnicity", "languages",
                                   "host_language_level", "unaccompanied_minor")},
    **{c: "group_location" for c in ("district",)},
    **{c: "group_route" for c in ("migration_status", "purpose", "origin_country", "transit_countries",
                                  "entry_point", "entry_mode", "arrival_year")},
    **{c: "group_wg" for c in ("wg_seeing", "wg_hearing", "wg_walking", "wg_cognition", "wg_self_care",
                               "wg_communication")},
    **{c: "group_work" for c in ("sector_isic", "informal_work", "employer_holds_documents", "unpaid_wages",
                                 "isco_major", "isced_level", "diaspora")},
    **{c: "group_consent" for c in ("consent_purposes", "consent_date", "consent_withdrawn")},
    **{c: "group_contact" for c in ("full_name", "phone", "document_number")},
}
KOBO_META = ("_id", "_uuid", "_submission_time", "_index")
INTEGER_COLUMNS = ("age", "arrival_year", "isco_major", "isced_level")
DATE_COLUMNS = ("interview_date", "consent_date")


def write_xlsx(path: Path, frame: pd.DataFrame) -> Path:
    """An XLSX register: a title row, the header on row 3, numbers and dates typed, text never a formula."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet("register")
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_string(0, 0, "Register of migrants — demo extract (FAKE DATA)")
    for j, col in enumerate(frame.columns):
        sheet.write_string(2, j, col)
    for i, row in enumerate(frame.itertuples(index=False), start=3):
        for j, (col, value) in enumerate(zip(frame.columns, row)):
            text = str(value)
            if text == "":
                continue
            if col in INTEGER_COLUMNS and text.lstrip("-").isdigit():
                sheet.write_number(i, j, int(text))
            elif col == "sampling_weight":
                sheet.write_number(i, j, float(text))
            elif col in DATE_COLUMNS:
                sheet.write_datetime(i, j, pd.Timestamp(text).to_pydatetime(), date_fmt)
            else:
                sheet.write_string(i, j, text)
    notes = book.add_worksheet("notes")
    notes.write_string(0, 0, "All names, phones and document numbers are invented.")
    book.close()
    return Path(path)
