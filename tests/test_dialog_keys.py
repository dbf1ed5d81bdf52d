"""The subscribe dialog's keys: Esc clears a filter that holds text before it closes the
dialog (as every filter box does); its list names each call's queue by name."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Input

from assist_tui.model import LiveConversation
from assist_tui.ui.pick_list import PickList
from assist_tui.ui.screens import SubscribeScreen

LIVE = [
    LiveConversation(
        conversation_id="1090d0cf-0000-4000-8000-000000000001",
        queue_id="5a1f0c2e-6b3d-4000-8000-00000000000a",
        queue_name="Billing",
        agent_name="Priya Natarajan",
    ),
    LiveConversation(
        conversation_id="2190d0cf-0000-4000-8000-000000000002",
        queue_id="5a1f0c2e-6b3d-4000-8000-00000000000b",
        agent_name="Sam Okafor",
    ),
]


class Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.answers: list[list[str]] = []

    def on_mount(self) -> None:
        self.push_screen(SubscribeScreen(LIVE, set()), self.answers.append)


async def test_esc_clears_the_filter_first_then_closes() -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("a", "b", "c")
        box = app.screen.query_one("#filter", Input)
        assert box.value == "abc"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SubscribeScreen) and box.value == ""
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SubscribeScreen) and app.answers == [[]]


async def test_the_list_names_the_queue_when_it_is_known() -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        choices = app.screen.query_one("#choices", PickList)
        labels = [str(choices.get_option_at_index(i).prompt) for i in range(choices.option_count)]
        assert "queue Billing" in labels[0]
        assert "queue 5a1f0c2e-6b3d-4000-8000-00000000000b" not in labels[1]  # cut, not whole
        await pilot.press("B", "i", "l", "l")  # the filter finds a call by its queue's name
        await pilot.pause()
        assert choices.option_count == 1
