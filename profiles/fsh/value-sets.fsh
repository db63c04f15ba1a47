ValueSet: IpMessageEventVS
Id: ip-message-event
Title: "IP-bro message events"
Description: "All codes of ip-message-event."
* include codes from system IpMessageEvent

ValueSet: IpNeedVS
Id: ip-need
Title: "IP-bro needs"
Description: "All codes of ip-need."
* include codes from system IpNeed

ValueSet: IpCareTeamRoleVS
Id: ip-careteam-role
Title: "IP-bro care team roles"
Description: "All codes of ip-careteam-role."
* include codes from system IpCareTeamRole

ValueSet: IpConsentCategoryVS
Id: ip-consent-category
Title: "IP-bro consent categories"
Description: "All codes of ip-consent-category."
* include codes from system IpConsentCategory

ValueSet: IpLifeAreaVS
Id: ip-life-area
Title: "IP-bro life areas"
Description: "All codes of ip-life-area."
* include codes from system IpLifeArea

ValueSet: IpPlanReviewVS
Id: ip-plan-review
Title: "IP-bro plan reviews"
Description: "All codes of ip-plan-review."
* include codes from system IpPlanReview

ValueSet: IpConsenterRoleVS
Id: ip-consenter-role
Title: "IP-bro consenter roles"
Description: "All codes of ip-consenter-role."
* include codes from system IpConsenterRole

ValueSet: IpAssessmentKindVS
Id: ip-assessment-kind
Title: "IP-bro assessment kinds"
Description: "All codes of ip-assessment-kind."
* include codes from system IpAssessmentKind
