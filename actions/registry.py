"""Every action the action server runs; an action in domain.yml is one line here."""

from __future__ import annotations

from rasa_sdk import Action

from actions.answers import ActionAnswerTopic
from actions.crisis import ActionCrisisInfo
from actions.events import ActionEvents
from actions.handoff import ActionFallback, ActionHandoff, ActionRateService
from actions.passport import ActionPassportUrgent
from actions.report_form import ValidateReportForm
from actions.report_questions import ActionAskReportCategory, ActionAskReportConfirmed
from actions.report_status import ActionReportStatus
from actions.report_submit import ActionResetReport, ActionSubmitReport
from actions.roadworks import ActionRoadDiversion
from actions.services import Services
from actions.waste import ActionAskPostcode, ActionWasteCollection, ValidateWasteForm

ACTIONS = (
    ActionAnswerTopic,
    ActionCrisisInfo,
    ActionEvents,
    ActionHandoff,
    ActionFallback,
    ActionRateService,
    ActionPassportUrgent,
    ValidateReportForm,
    ActionAskReportCategory,
    ActionAskReportConfirmed,
    ActionReportStatus,
    ActionSubmitReport,
    ActionResetReport,
    ActionRoadDiversion,
    ValidateWasteForm,
    ActionAskPostcode,
    ActionWasteCollection,
)


def actions_with(services: Services) -> list[Action]:
    return [kind(services) for kind in ACTIONS]
