"""The fork server behind the `fork` grading engine.

A zygote process, started once per grading process inside the sandbox's namespaces, imports IPython
(and numpy, pandas, matplotlib when installed) and then forks, for every submission, a supervisor
that confines a fresh child exactly as `grading.sandbox_runner` confines a runner and runs the cells
there with IPython's shell. The modules here that run in the zygote (`zygote`, `supervisor`,
`student`, `capture`, `wire`) import nothing from the project but `grading.sandbox_runner`;
`client` is the worker's side.
"""
