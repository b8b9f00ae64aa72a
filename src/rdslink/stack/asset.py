"""The function's code asset: ``examples/handler.py`` plus the ``rdslink.runtime`` package, as a plain folder.

No Docker and no network: files are copied. Database drivers (psycopg, PyMySQL) are not in the Lambda Python
runtime and have no pure-Python wheel for psycopg's binary part, so pass ``vendor``: a folder made with
``pip install --target DIR --platform manylinux2014_x86_64 --python-version 3.12 --only-binary=:all:
'psycopg[binary]' PyMySQL`` (https://docs.aws.amazon.com/lambda/latest/dg/python-package.html). For TLS to an
RDS instance (not needed through RDS Proxy, whose certificates are public) pass ``ca_bundle``: the RDS CA bundle
https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem, shipped as ``global-bundle.pem`` where
``rdslink.runtime`` looks for it.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path

import rdslink

#: Used only when ``examples/handler.py`` is not there (rdslink installed from a wheel, not a checkout).
FALLBACK_HANDLER = '''"""Reference handler: one reused, liveness-checked connection per execution environment."""
from rdslink.runtime import Database

db = Database.from_env()  # DB_HOST, DB_PORT, DB_NAME, DB_ENGINE + DB_SECRET_ARN or DB_IAM_AUTH=1/DB_USER


def lambda_handler(event, context):
    with db.connection(context) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT version()")
            return {"db_version": cur.fetchone()[0]}
'''


def default_handler() -> Path | None:
    """``examples/handler.py`` of the source checkout rdslink runs from, or None (installed from a wheel)."""
    path = Path(rdslink.__file__).resolve().parents[2] / "examples" / "handler.py"
    return path if path.is_file() else None


def build_asset(dest: str | Path | None = None, *, handler: str | Path | None = None,
                ca_bundle: str | Path | None = None, vendor: str | Path | None = None) -> Path:
    """Write the function code folder and return its path.

    Layout: ``handler.py`` (entry point ``handler.lambda_handler``), ``rdslink/__init__.py``, ``rdslink/runtime/``,
    optionally ``global-bundle.pem`` and the contents of ``vendor``.

    Args:
        dest: an empty or missing folder (default: a new temporary folder).
        handler: the handler file (default :func:`default_handler`, else :data:`FALLBACK_HANDLER`).
        ca_bundle: PEM file copied to ``global-bundle.pem``.
        vendor: folder whose contents are copied next to ``handler.py`` (third-party packages).

    Raises:
        FileNotFoundError: ``handler``, ``ca_bundle`` or ``vendor`` does not exist.
        FileExistsError: ``dest`` exists and is not empty.
    """
    out = Path(dest) if dest is not None else Path(tempfile.mkdtemp(prefix="rdslink-asset-"))
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    out.mkdir(parents=True, exist_ok=True)
    if vendor is not None:
        vendor = Path(vendor)
        if not vendor.is_dir():
            raise FileNotFoundError(f"vendor folder {vendor} does not exist")
        shutil.copytree(vendor, out, dirs_exist_ok=True)
    src = Path(handler) if handler is not None else default_handler()
    if src is not None:
        if not src.is_file():
            raise FileNotFoundError(f"handler {src} does not exist")
        shutil.copyfile(src, out / "handler.py")
    else:
        (out / "handler.py").write_text(FALLBACK_HANDLER)
    pkg = Path(rdslink.__file__).resolve().parent
    (out / "rdslink").mkdir(exist_ok=True)
    shutil.copyfile(pkg / "__init__.py", out / "rdslink" / "__init__.py")
    shutil.copytree(pkg / "runtime", out / "rdslink" / "runtime", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if ca_bundle is not None:
        if not Path(ca_bundle).is_file():
            raise FileNotFoundError(f"CA bundle {ca_bundle} does not exist")
        shutil.copyfile(ca_bundle, out / "global-bundle.pem")
    return out


def write_zip(folder: str | Path, zip_path: str | Path) -> Path:
    """Zip ``folder`` reproducibly (sorted entries, fixed timestamps, 0644/0755 modes) into ``zip_path``."""
    folder, zip_path = Path(folder), Path(zip_path)
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if path.stat().st_mode & 0o111 else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    return zip_path
