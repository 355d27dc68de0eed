"""The controlled lists of legal bases and purposes every batch, table, release and vault access names."""

from __future__ import annotations

from collections.abc import Iterable

from atlas.errors import PolicyRefused, RejectedInput

LEGAL_BASES: dict[str, str] = {
    "consent": "Consent of the data subject",
    "legal_obligation": "Compliance with a legal obligation",
    "public_task": "Performance of a task in the public interest or official authority",
    "vital_interests": "Protection of the vital interests of the data subject or another person",
    "legitimate_interests": "Legitimate interests of the controller or a third party",
    "contract": "Performance of a contract with the data subject",
}

PURPOSES: dict[str, str] = {
    "statistics": "Official statistics and analysis",
    "preparedness": "Preparedness and contingency planning",
    "emergency_response": "Emergency response",
    "evacuation": "Evacuation and relocation",
    "consular_assistance": "Consular assistance to citizens abroad",
    "research": "Scientific and historical research",
    "service_provision": "Provision of services and assistance",
    "protection": "Protection case management (including trafficking victims)",
    "family_tracing": "Family tracing and reunification",
    "community_engagement": "Engagement with migrant and diaspora communities",
    "oversight": "Audit, oversight and data-subject rights",
    "counter_trafficking": "Prevention of and response to trafficking in persons and migrant smuggling",
}


def check_legal_basis(basis: str | None) -> str:
    """A batch without a recognised legal basis is refused at ingest (lawful collection)."""
    if basis not in LEGAL_BASES:
        raise PolicyRefused(
            f"Legal basis {basis!r} is not recognised; declare one of: {', '.join(LEGAL_BASES)}.",
            clause="lawfulness:legal-basis",
        )
    return basis


def check_purpose(purpose: str | None) -> str:
    if purpose not in PURPOSES:
        raise PolicyRefused(
            f"Purpose {purpose!r} is not in the controlled list ({', '.join(PURPOSES)}).",
            clause="purpose-limitation:unknown-purpose",
        )
    return purpose


def check_purposes(purposes: Iterable[str] | None) -> list[str]:
    """A non-empty list of known purposes, deduplicated and in a stable order."""
    found = list(dict.fromkeys(purposes or []))
    if not found:
        raise RejectedInput("At least one purpose must be declared (specified purposes).")
    for p in found:
        check_purpose(p)
    return found
