"""The ``pool`` group's report: tidy rows (``data``), the advice model (``advice``),
figures, tables, headlines, the single-file section (``section``) and the comparison
(``compare_section``)."""
