"""Upload a source file; the validation report comes back in the response (dry run or stored batch)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile

from atlas.errors import AtlasError, Issue, RejectedInput
from atlas.ingest.pipeline import IngestOptions, IngestResult, ingest_file
from atlas.web.auth import Principal, allowed, served_workspace
from atlas.web.models import IngestOut, IssueOut

router = APIRouter(tags=["ingest"])
_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")


def _save(upload: UploadFile, folder: Path, limit: int) -> Path:
    """Copy the upload to a private temporary file (0600), keeping its extension for format detection."""
    suffix = Path(upload.filename or "").suffix
    if not _SUFFIX.match(suffix):
        raise RejectedInput("The uploaded file needs an extension such as .csv, .xlsx or .json.",
                            issues=[Issue("upload-name", "no usable file extension", file=upload.filename)])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"upload-{secrets.token_hex(8)}{suffix}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        copied = 0
        while chunk := upload.file.read(1 << 20):
            copied += len(chunk)
            if copied > limit:
                out.close()
                path.unlink(missing_ok=True)
                raise RejectedInput(f"The file is larger than the {limit >> 20} MB accepted.")
            out.write(chunk)
    return path


def _issue(i: Issue, names: dict[str, str]) -> IssueOut:
    data = asdict(i)
    if data.get("file"):
        data["file"] = names.get(data["file"], Path(data["file"]).name)
    return IssueOut(**data)


def _report(result: IngestResult, names: dict[str, str]) -> IngestOut:
    columns = [{"column": a.column.original, "field": a.field, "identifier": a.identifier, "how": a.how}
               for a in result.assignments]
    return IngestOut(batch_id=result.batch_id, file=names.get(result.file, Path(result.file).name),
                     committed=result.committed, rows_read=result.rows_read, rows_stored=result.rows_stored,
                     rows_quarantined=result.rows_quarantined, issue_count=result.issue_count,
                     issues=[_issue(i, names) for i in result.issues[:1000]],
                     notes=[_issue(i, names) for i in result.notes[:200]], columns=columns)


@router.post("/ingest", response_model=IngestOut, status_code=201)
def ingest(request: Request,
           file: Annotated[UploadFile, File(description="Source file (CSV, XLSX, JSON, ...).")],
           principal: Annotated[Principal, allowed("ingest")],
           mapping: Annotated[UploadFile | None, File(description="Mapping YAML (optional).")] = None,
           kind: Annotated[Literal["person", "aggregate", "consent"],
                           Form(description="person, aggregate, or consent (given/withdrawn events)")] = "person",
           policy: Annotated[Literal["quarantine", "reject"], Form()] = "quarantine",
           country: Annotated[str | None, Form(pattern=r"^[A-Za-z]{3}$")] = None,
           dry_run: Annotated[bool, Form(description="Validate only; store nothing.")] = False) -> IngestOut:
    """Ingest one file as one batch (all or nothing) and return its validation report."""
    ws = served_workspace(request)
    limit = int(getattr(request.app.state.settings, "max_upload_mb", 200)) << 20
    folder = ws.temp_dir / f"upload-{secrets.token_hex(6)}"
    try:
        data = _save(file, folder, limit)
        names = {str(data): file.filename or data.name}
        mapping_path = _save(mapping, folder, 1 << 20) if mapping is not None and mapping.filename else None
        if mapping_path is not None:
            names[str(mapping_path)] = mapping.filename or mapping_path.name  # type: ignore[union-attr]
        opts = IngestOptions(kind=kind, mapping=mapping_path, policy=policy, country=country, dry_run=dry_run,
                             report=None)
        try:
            result = ingest_file(ws, data, opts, actor=principal.actor)
        except AtlasError as exc:
            exc.issues = [Issue(**{**asdict(i), "file": names.get(i.file or "", None)}) for i in exc.issues]
            exc.message = exc.message.replace(str(data), names[str(data)]).replace(data.name, names[str(data)])
            raise
        return _report(result, names)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
