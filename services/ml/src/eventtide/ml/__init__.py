"""eventtide ML: churn prediction and anomaly detection, each measured against baselines.

Light on purpose: importing a pure module must not load SQLAlchemy or Kafka clients.
"""
