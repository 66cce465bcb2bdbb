"""The SQL the API runs, one module per question; routes stay short and SQL-free.

Every value is a bound parameter, JSON keys included. Modules import SQLAlchemy, so
import the one you need (``from eventtide.core.db.queries import trends``).
"""
