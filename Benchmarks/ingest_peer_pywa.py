"""The ingest benchmark's peer: pywa (async) on FastAPI, storing each WhatsApp message in SQLite
with one commit per message. Note the difference in guarantees: pywa answers Meta's webhook
200 before its handler runs, so an acknowledged message can still be lost if the process dies;
Chorus answers only after the commit.

Run by Benchmarks/ingest.sh:
    PEER_DB=/tmp/peer.sqlite PEER_APP_SECRET=... uvicorn ingest_peer_pywa:app --port 8099
"""

import os
import sqlite3

from fastapi import FastAPI
from pywa_async import WhatsApp, types

app = FastAPI()
db = sqlite3.connect(os.environ.get("PEER_DB", "/tmp/pywa-peer.sqlite"), check_same_thread=False)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=FULL")  # the same durability Chorus asks of SQLite
db.execute("CREATE TABLE IF NOT EXISTS message (id TEXT PRIMARY KEY, sender TEXT, text TEXT, ts INTEGER)")

wa = WhatsApp(
    phone_id="106540352242922",
    token="bench-token",
    server=app,
    webhook_endpoint="/webhooks/whatsapp",
    verify_token="bench-verify-token",
    app_secret=os.environ["PEER_APP_SECRET"],
    webhook_challenge_delay=0,
)


@wa.on_message()
async def store(_: WhatsApp, message: types.Message) -> None:
    db.execute(
        "INSERT OR IGNORE INTO message (id, sender, text, ts) VALUES (?, ?, ?, ?)",
        (message.id, message.from_user.wa_id, message.text, int(message.timestamp.timestamp())),
    )
    db.commit()
