"""The exactly-once batch loop every service that stores Kafka input into the database uses.

``steps`` (what a service does per batch) and ``phases`` (named crash points) are pure;
``loop`` runs them against Kafka and the database. Import the loop from
``eventtide.core.transactional.loop``: this package file loads nothing.
"""
