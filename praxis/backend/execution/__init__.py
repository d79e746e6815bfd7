"""Runs that run: the API records intent, workers execute.

One job per module (see DESIGN.md, "Execution"):

- ``lifecycle``: the run state machine as pure functions; what a command does to a run, or why not;
- ``errors``: one ``ExecutionError`` root;
- ``messages``: what the child process tells its parent, one JSON line each;
- ``context``: the ``RunContext`` a running protocol sees (inputs, assets, outputs, cancellation);
- ``tracing``: ``@protocol_function``, which logs each decorated call of a run;
- ``runner``: the child process's entry point; imports protocol code, never SQLAlchemy;
- ``supervisor``: starts, limits, controls and ends the child, and reads its messages;
- ``call_log``: batched writes of calls and outputs from those messages;
- ``assets``: which machines and labware a run's parameters are bound to, and how they are built;
- ``queue``: the only module that imports the job library;
- ``worker``: takes a job, runs the run, finishes it.
"""
