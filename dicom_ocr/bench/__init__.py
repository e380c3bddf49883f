"""The measurement harness: ``python -m dicom_ocr.bench COMMAND ...`` (``--help`` lists the commands).

Commands (one module each): ``score`` a ground-truth set, ``cost`` per plane, ``engines`` timed alone, ``stages`` of a
scan, ``peers`` scored alike, ``db`` writes, ``forms`` documents, ``text-free`` false alarms, ``rejudge`` verdicts,
``rows`` of two audit DBs compared, ``triage`` the GT boxes header triage would leave unread, ``archive`` scanned by
the old and the new code. Shared helpers: :mod:`.scorer` (``../shared/bench/score.py``), :mod:`.auditdir` (a temporary
audit DB, or an existing one read), :mod:`.timing` (a timed subprocess), :mod:`.memory` (workers' peak memory),
:mod:`.scanning` (a scan as users run it) and :mod:`.tables` (Markdown).
"""
