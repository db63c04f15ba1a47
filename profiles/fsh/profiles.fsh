// IP-bro profiles. Constrain what the law and the contract need, and no more: every worked message
// of the contract must conform as it is. Rules a profile cannot say (one active koordinator, consent by
// age, dates inside the period…) are checked by packages/validation.

Profile: IpCarePlan
Parent: CarePlan
Id: ip-careplan
Title: "Individuell plan"
Description: "An individuell plan (forskrift § 19 a–i). See docs/fhir-mapping.md for where each content item lives."
* identifier 1..*
* intent = #plan
* category 1..*
* category ^slicing.discriminator.type = #pattern
* category ^slicing.discriminator.path = "$this"
* category ^slicing.rules = #open
* category contains individuellPlan 1..1
* category[individuellPlan] = $VOLVEN9602#A02-2
* subject only Reference(Patient)
* period 1..1
* period.start 1..1
* careTeam 1..*
* careTeam only Reference(CareTeam)
* goal only Reference(Goal)
// § 19 h: the plan's consents (ip-samtykke, taushetsplikt-fritak) are its supporting information.
* supportingInfo only Reference(Consent)
* extension contains IpLifeAreaAssessment named lifeAreaAssessment 0..* and IpCulturalConsiderations named culturalConsiderations 0..1
* activity.detail.extension contains IpMeasureScope named scope 0..1 and IpLifeAreaOfMeasure named lifeArea 0..1
* contributor.extension contains IpCooperationDescription named cooperation 0..1

Profile: IpCareTeam
Parent: CareTeam
Id: ip-careteam
Title: "The individuell plan's participants"
Description: "Who takes part in the plan (§ 19 b) and who the koordinator is (§ 19 c)."
* subject 1..1
* subject only Reference(Patient)
* participant 1..*
* participant.role 1..1
* participant.role from IpCareTeamRoleVS (required)
* participant.member 1..1
* participant.onBehalfOf only Reference(Organization)

Profile: IpGoal
Parent: Goal
Id: ip-goal
Title: "A goal of the individuell plan"
Description: "The person's goal, by life area (§ 19 a)."
* category 1..1
* category from IpLifeAreaVS (required)
* subject only Reference(Patient)

Profile: IpConsent
Parent: Consent
Id: ip-consent
Title: "A consent of the individuell plan"
Description: "Consent to the plan, the confidentiality waiver, or consent to notify the kommune (§ 19 h)."
* category from IpConsentCategoryVS (extensible)
* patient 1..1
* patient only Reference(Patient)
* performer 1..*
* performer only Reference(Patient or RelatedPerson or Practitioner or Organization)
* extension contains IpConsenterRoleExt named consenterRole 0..1 and IpRepresentationReason named representationReason 0..1
* provision.actor.extension contains IpInformationScope named informationScope 0..1

Profile: IpMeldepliktTask
Parent: Task
Id: ip-meldeplikt-task
Title: "Meldeplikt"
Description: "A notice to the koordinerende enhet of the home kommune that a patient needs an individuell plan and/or a koordinator."
* status = #requested
* intent = #order
* code 1..1
* code = IpMessageEvent#meldeplikt
* for 1..1
* for only Reference(Patient)
* requester 1..1
* input 1..*
// The needs are ip-need codes; the consent input may carry only text (as in the contract's example).
* input.type from IpNeedVS (extensible)

Profile: IpMessageHeader
Parent: MessageHeader
Id: ip-message-header
Title: "IP-bro message header"
Description: "The MessageHeader of every IP-bro message; receipts carry `response` and need no author or focus."
* event[x] only Coding
* eventCoding from IpMessageEventVS (required)
* sender 1..1
* sender only Reference(Organization)
* author only Reference(Practitioner)

Profile: IpEpikriseDocumentReference
Parent: DocumentReference
Id: ip-epikrise-documentreference
Title: "Epikrise"
Description: "The discharge summary sent to the home kommune, as an attachment (PDF or XML)."
* type 1..1
* type = $VOLVEN9602#A03-2
* subject 1..1
* subject only Reference(Patient)
* content.attachment.contentType 1..1
* content.attachment.data 1..1

