"""The national-scale data generator's steps (``bench/generate.py`` is the command).

Every step takes a database alias and writes through COPY into tables that already carry
the project's migrations; ``runner.generate`` runs them in order, each batch in one
transaction with its row in ``bench_progress``, so a killed run resumes where it stopped.
"""
