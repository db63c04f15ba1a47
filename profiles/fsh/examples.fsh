// A small plan whose resources conform to the profiles. Synthetic identifiers only (month + 80).

Instance: example-patient
InstanceOf: Patient
Usage: #example
* identifier[0].system = $FNR
* identifier[0].value = "12830551210"
* name[0].family = "Nordmann"
* name[0].given[0] = "Ola"
* birthDate = "2005-03-12"
* address[0].use = #home
* address[0].city = "Ålesund"
* address[0].district = "Ålesund"
* address[0].district.extension[0].url = $MUNICIPALITY
* address[0].district.extension[0].valueCoding = $KOMMUNE#1508 "Ålesund"

Instance: example-koordinator
InstanceOf: Practitioner
Usage: #example
* identifier[0].system = $HPR
* identifier[0].value = "5512345"
* name[0].family = "Hansen"
* name[0].given[0] = "Per"

Instance: example-kommune
InstanceOf: Organization
Usage: #example
* identifier[0].system = $ORGNR
* identifier[0].value = "942953119"
* name = "Ålesund kommune, Koordinerende enhet"

Instance: example-goal
InstanceOf: IpGoal
Usage: #example
* identifier[0].system = "urn:oid:2.16.578.1.12.4.1.4.101/942953119/ip"
* identifier[0].value = "IP-EX-1-goal-g1"
* lifecycleStatus = #active
* category = IpLifeArea#bolig
* description.text = "Bo i egen leilighet"
* subject = Reference(example-patient)

Instance: example-careteam
InstanceOf: IpCareTeam
Usage: #example
* identifier[0].system = "urn:oid:2.16.578.1.12.4.1.4.101/942953119/ip"
* identifier[0].value = "IP-EX-1-team"
* status = #active
* subject = Reference(example-patient)
* participant[0].role = IpCareTeamRole#koordinator
* participant[0].member = Reference(example-koordinator)
* participant[0].onBehalfOf = Reference(example-kommune)
* participant[1].role = IpCareTeamRole#bruker
* participant[1].member = Reference(example-patient)

Instance: example-plan-consent
InstanceOf: IpConsent
Usage: #example
* identifier[0].system = "urn:oid:2.16.578.1.12.4.1.4.101/942953119/ip"
* identifier[0].value = "IP-EX-1-consent-ip"
* status = #active
* scope = $consentscope#treatment
* category = IpConsentCategory#ip-samtykke
* patient = Reference(example-patient)
* dateTime = "2026-11-21T09:00:00+01:00"
* performer[0] = Reference(example-patient)
* extension[consenterRole].valueCode = #selv
* policy[0].authority = "https://lovdata.no"
* policy[0].uri = "https://lovdata.no/lov/1999-07-02-63/§2-5"
* provision.type = #permit

Instance: example-careplan
InstanceOf: IpCarePlan
Usage: #example
* identifier[0].system = "urn:oid:2.16.578.1.12.4.1.4.101/942953119/ip"
* identifier[0].value = "IP-EX-1"
* status = #active
* intent = #plan
* category[individuellPlan] = $VOLVEN9602#A02-2 "Individuell plan"
* title = "Individuell plan"
* subject = Reference(example-patient)
* period.start = "2026-11-21"
* period.end = "2027-11-21"
* careTeam[0] = Reference(example-careteam)
* goal[0] = Reference(example-goal)
* supportingInfo[0] = Reference(example-plan-consent)
* extension[culturalConsiderations].valueString = "Foretrekker samtaler på nynorsk"
* activity[0].detail.kind = #ServiceRequest
* activity[0].detail.code.text = "Boveiledning"
* activity[0].detail.status = #scheduled
* activity[0].detail.performer[0] = Reference(example-kommune)
* activity[0].detail.extension[scope].valueString = "2 timer per uke"
* activity[0].detail.extension[lifeArea].valueCoding = IpLifeArea#bolig
