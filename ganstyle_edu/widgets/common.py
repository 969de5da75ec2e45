"""What every explorer shares: showing a figure in a widget output, and reporting any failure inside the widget
(notebook 01)."""
from __future__ import annotations

import functools
from typing import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import clear_output, display


def _show(output: widgets.Output, fig) -> None:
    with output:
        clear_output(wait=True)
        display(fig)
    plt.close(fig)


def _clear(output: widgets.Output) -> None:
    """Empty ``output`` through its ``outputs`` state, which the browser replaces its content by.

    Not ``output.clear_output()``: that is a message the browser captures and answers by sending its (empty) list
    back some time later, so a message written just after it can vanish, and the kernel's own list is left as it
    was, so the next ``append_stdout`` brings the old text back. The state is sent even when the kernel's list is
    already empty, as the browser may still show a figure displayed inside ``with output:``.
    """
    output.outputs = ()
    output.send_state("outputs")


def _write(output: widgets.Output, text: str) -> None:
    """Show ``text`` alone in ``output``: whatever it showed before is gone."""
    _clear(output)
    output.append_stdout(text)


def _reports_errors(handler: Callable) -> Callable:
    """Wrap an explorer's update/run handler so that no failure vanishes (notebook 01).

    Any exception (a ``ValueError`` or ``ImageError`` from a value it cannot use, a ``FloatingPointError`` from
    a NaN loss, TensorFlow's errors, ...) becomes a message, its type and text, inside the explorer's output,
    not a traceback under the cell or in JupyterLab's log console (where a button's errors go);
    ``explorer.state`` is then ``{"error": "Type: message"}``. KeyboardInterrupt and SystemExit pass through.
    """
    @functools.wraps(handler)
    def guarded(self, *args):
        try:
            return handler(self, *args)
        except Exception as error:  # noqa: BLE001  (shown to the learner, never dropped)
            return _show_error(self, error)

    return guarded


def _show_error(explorer, error: Exception) -> dict:
    """Put ``error``'s type and message in ``explorer.output`` and ``explorer.state``; returns the state."""
    message = f"{type(error).__name__}: {error}"
    explorer.state = {"error": message}
    _write(explorer.output, f"⚠ {message}\n")
    return explorer.state
