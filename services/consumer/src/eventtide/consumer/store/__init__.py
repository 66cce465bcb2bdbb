"""The consumer's own SQL: one batch of events into user_events, users, user_stats and
dead_letters, with the batch's offsets, in the loop's transaction.

Where the line runs (docs/consumer.md, "Where the SQL lives"): tables, migrations, the
offsets table, retries and the statistics oracle are core (``eventtide.core.db``), since
every service or tool uses them; how the consumer writes its batch (COPY, the pipelined
upserts, the portable SQLite path) is the consumer's alone and lives here. Import the
submodules (``eventtide.consumer.store.write``); this file loads nothing.
"""
