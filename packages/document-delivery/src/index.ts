export { deliverDocumentFromLedger, documentChannel, gateRecipient, type DocumentStepDeps } from './document-delivery';
export { documentIntakeCheck, createDocumentIntake, type DocumentIntakeDeps } from './document-intake';
export {
  RevisionReminders,
  sendRevisionReminder,
  reminderMessage,
  reminderJobId,
  reminderMessageId,
  reminderDueAt,
  REMINDER_QUEUE,
  REMINDER_EVENT,
  IPBRO_SENDER,
  type ReminderJobData,
  type ReminderOutcome,
  type ReminderDeps,
} from './revision-reminders';
export {
  queueReplacedPlanNotice,
  replacedPlanNotice,
  replacedPlanNoticeId,
  type PlanNoticeDeps,
} from './plan-replaced-notice';
