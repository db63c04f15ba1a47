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
* identifier[0].system = "http://ipbro.no/fhir/sid/org/942953119/ip"
* identifier[0].value = "IP-EX-1-goal-g1"
* lifecycleStatus = #active
* category = IpLifeArea#bolig
* description.text = "Bo i egen leilighet"
* subject = Reference(example-patient)

Instance: example-careteam
InstanceOf: IpCareTeam
Usage: #example
* identifier[0].system = "http://ipbro.no/fhir/sid/org/942953119/ip"
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
* identifier[0].system = "http://ipbro.no/fhir/sid/org/942953119/ip"
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
* identifier[0].system = "http://ipbro.no/fhir/sid/org/942953119/ip"
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
* supportingInfo[1] = Reference(example-fritak-consent)
* description = "Tiltakene gjennomføres i samarbeid mellom boveiledningen og Helse Møre og Romsdal."
* extension[culturalConsiderations].valueString = "Foretrekker samtaler på nynorsk"
* extension[lifeAreaAssessment][0].extension[lifeArea].valueCoding = IpLifeArea#bolig
* extension[lifeAreaAssessment][0].extension[kind].valueCode = #need
* extension[lifeAreaAssessment][0].extension[text].valueString = "Trenger hjelp til å mestre egen bolig"
* extension[lifeAreaAssessment][1].extension[lifeArea].valueCoding = IpLifeArea#sosialt-nettverk
* extension[lifeAreaAssessment][1].extension[kind].valueCode = #resource
* extension[lifeAreaAssessment][1].extension[text].valueString = "God kontakt med familien"
* contributor[0] = Reference(example-hospital)
* contributor[0].extension[cooperation].valueString = "Poliklinisk oppfølging og epikrise ved innleggelser"
* note[0].text = "Bruker bidrar med egentrening daglig."
* activity[0].detail.kind = #ServiceRequest
* activity[0].detail.code.text = "Boveiledning"
* activity[0].detail.status = #scheduled
* activity[0].detail.performer[0] = Reference(example-kommune)
* activity[0].detail.extension[scope].valueString = "2 timer per uke"
* activity[0].detail.extension[lifeArea].valueCoding = IpLifeArea#bolig
* activity[0].detail.goal[0] = Reference(example-goal)
* activity[1].detail.kind = #Appointment
* activity[1].detail.code = IpPlanReview#revisjon "Revisjon"
* activity[1].detail.code.text = "Revisjon av planen"
* activity[1].detail.status = #scheduled
* activity[1].detail.scheduledPeriod.start = "2027-05-21"
* activity[1].detail.performer[0] = Reference(example-koordinator)

Instance: example-hospital
InstanceOf: Organization
Usage: #example
* identifier[0].system = $ORGNR
* identifier[0].value = "997005562"
* identifier[1].system = $HERID
* identifier[1].value = "8094512"
* name = "Helse Møre og Romsdal HF"

// § 19 h: who may see confidential information, and what.
Instance: example-fritak-consent
InstanceOf: IpConsent
Usage: #example
* identifier[0].system = "http://ipbro.no/fhir/sid/org/942953119/ip"
* identifier[0].value = "IP-EX-1-consent-fritak"
* status = #active
* scope = $consentscope#patient-privacy
* category = IpConsentCategory#taushetsplikt-fritak
* patient = Reference(example-patient)
* dateTime = "2026-11-21T09:00:00+01:00"
* performer[0] = Reference(example-patient)
* extension[consenterRole].valueCode = #selv
* policy[0].authority = "https://lovdata.no"
* policy[0].uri = "https://lovdata.no/lov/1999-07-02-64/§22"
* provision.type = #permit
* provision.period.start = "2026-11-21"
* provision.actor[0].role = $v3-ParticipationType#IRCP
* provision.actor[0].reference = Reference(example-hospital)
* provision.actor[0].extension[informationScope].valueString = "Planens mål og tiltak; ikke journalnotater"

Instance: example-mor
InstanceOf: RelatedPerson
Usage: #example
* patient = Reference(example-patient)
* relationship = $v3-RoleCode#MTH "mother"
* name[0].family = "Nordmann"
* name[0].given[0] = "Kari"

// Consent to notify the kommune, given by a representative for a person who lacks capacity (§ 19 h).
Instance: example-melding-consent
InstanceOf: IpConsent
Usage: #example
* identifier[0].system = "http://ipbro.no/fhir/sid/org/942953119/ip"
* identifier[0].value = "IP-EX-1-consent-melding"
* status = #active
* scope = $consentscope#patient-privacy
* category = IpConsentCategory#melding-samtykke
* patient = Reference(example-patient)
* dateTime = "2026-11-20T10:15:00+01:00"
* performer[0] = Reference(example-mor)
* extension[consenterRole].valueCode = #representant
* extension[representationReason].valueString = "Pasienten er etter hjerneslag vurdert å mangle samtykkekompetanse; vurderingen er journalført."
* policy[0].authority = "https://lovdata.no"
* policy[0].uri = "https://lovdata.no/lov/2011-06-24-30/§7-2"
* provision.type = #permit
* provision.actor[0].role = $v3-ParticipationType#IRCP
* provision.actor[0].reference = Reference(example-kommune)
