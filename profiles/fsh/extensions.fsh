Extension: IpLifeAreaAssessment
Id: ip-life-area-assessment
Title: "Resource or need by life area"
Description: "A resource the person has or a need for services, by life area (forskrift § 19 a)."
* ^context[0].type = #element
* ^context[0].expression = "CarePlan"
* extension contains lifeArea 1..1 and kind 1..1 and text 1..1
* extension[lifeArea].value[x] 1..1
* extension[lifeArea].value[x] only Coding
* extension[lifeArea].valueCoding from IpLifeAreaVS (required)
* extension[kind].value[x] 1..1
* extension[kind].value[x] only code
* extension[kind].valueCode from IpAssessmentKindVS (required)
* extension[text].value[x] 1..1
* extension[text].value[x] only string

Extension: IpCulturalConsiderations
Id: ip-cultural-considerations
Title: "Ethnic, cultural and language considerations"
Description: "How the plan respects the person's ethnic, cultural and language background."
* ^context[0].type = #element
* ^context[0].expression = "CarePlan"
* value[x] 1..1
* value[x] only string

Extension: IpMeasureScope
Id: ip-measure-scope
Title: "Scope of a measure"
Description: "The scope (omfang) of a measure, e.g. 2 timer per uke (forskrift § 19 e)."
* ^context[0].type = #element
* ^context[0].expression = "CarePlan.activity.detail"
* value[x] 1..1
* value[x] only string

Extension: IpLifeAreaOfMeasure
Id: ip-life-area
Title: "Life area of a measure"
Description: "The life area a measure belongs to."
* ^context[0].type = #element
* ^context[0].expression = "CarePlan.activity.detail"
* value[x] 1..1
* value[x] only Coding
* valueCoding from IpLifeAreaVS (required)

Extension: IpCooperationDescription
Id: ip-cooperation-description
Title: "Cooperation with another provider"
Description: "What the cooperation with this provider, institution or agency is (forskrift § 19 i)."
* ^context[0].type = #element
* ^context[0].expression = "CarePlan.contributor"
* value[x] 1..1
* value[x] only string

Extension: IpConsenterRoleExt
Id: ip-consenter-role
Title: "In what capacity the consent was given"
Description: "Self, parent or guardian, or representative."
* ^context[0].type = #element
* ^context[0].expression = "Consent"
* value[x] 1..1
* value[x] only code
* valueCode from IpConsenterRoleVS (required)

Extension: IpRepresentationReason
Id: ip-representation-reason
Title: "Why a representative consented"
Description: "The recorded assessment of why the person could not consent and a representative did."
* ^context[0].type = #element
* ^context[0].expression = "Consent"
* value[x] 1..1
* value[x] only string

Extension: IpInformationScope
Id: ip-information-scope
Title: "What a party may see"
Description: "The extent of the confidentiality waiver for this party."
* ^context[0].type = #element
* ^context[0].expression = "Consent.provision.actor"
* value[x] 1..1
* value[x] only string
