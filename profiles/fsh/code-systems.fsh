// The code systems of CONTRACT.md, and our additions (docs/fhir-mapping.md). Each has a value set of all its codes.

CodeSystem: IpMessageEvent
Id: ip-message-event
Title: "IP-bro message events"
Description: "The events of IP-bro's FHIR messages."
* ^caseSensitive = true
* ^content = #complete
* #meldeplikt "Melding om behov for individuell plan og koordinator" "Notice to the koordinerende enhet that a patient needs an individuell plan and/or a koordinator."
* #meldeplikt-svar "Svar på melding om behov for individuell plan og koordinator" "The koordinerende enhet's answer to a meldeplikt, to its sender: the koordinator named, the plan started, or the notice rejected with a reason."
* #ip-plan-copy "Kopi av individuell plan" "A copy of an individuell plan for the other party."
* #koordinator-handover "Overføring av koordinatoransvar" "The hospital's temporary koordinator hands over to the kommune's koordinator."
* #epikrise "Epikrise" "The discharge summary for the home kommune."
* #revision-reminder "Påminnelse om revisjon av individuell plan" "IP-bro's own notice to the koordinator's koordinerende enhet that the plan's revision date has passed with no newer version seen. Sent by IP-bro only: a receipt may answer it, no one else may send it."

CodeSystem: IpNeed
Id: ip-need
Title: "IP-bro needs in a meldeplikt"
Description: "What a meldeplikt says the patient needs (Task.input type)."
* ^caseSensitive = true
* ^content = #complete
* #individuell-plan "Behov for individuell plan" "The patient needs an individuell plan."
* #koordinator "Behov for koordinator" "The patient needs a koordinator."
* #har-ip "Har individuell plan" "The patient already has an individuell plan; the value is the plan's identifier."

CodeSystem: IpCareTeamRole
Id: ip-careteam-role
Title: "IP-bro roles in the plan's care team"
Description: "Who takes part in an individuell plan and how."
* ^caseSensitive = true
* ^content = #complete
* #koordinator "Koordinator" "The one person with the main responsibility for follow-up and progress of the plan (the kommune's)."
* #midlertidig-koordinator "Midlertidig koordinator" "A hospital's temporary koordinator until handover to the kommune."
* #bruker "Bruker" "The person the plan is for."
* #paarorende "Pårørende" "A relative or next of kin taking part."
* #verge "Verge" "A guardian appointed for the person."
* #tjenesteyter "Tjenesteyter" "A provider of a service in the plan."

CodeSystem: IpConsentCategory
Id: ip-consent-category
Title: "IP-bro consent categories"
Description: "The consents an individuell plan rests on."
* ^caseSensitive = true
* ^content = #complete
* #ip-samtykke "Samtykke til individuell plan" "Consent to making the plan."
* #taushetsplikt-fritak "Fritak fra taushetsplikt" "Who may see confidential information, and what."
* #melding-samtykke "Samtykke til melding til kommunen" "Consent to notify the kommune of the need for a plan and koordinator."

CodeSystem: IpLifeArea
Id: ip-life-area
Title: "IP-bro life areas"
Description: "The life areas goals and measures are grouped by."
* ^caseSensitive = true
* ^content = #complete
* #helse-omsorg "Helse, omsorg og forebygging" "Health, care and prevention."
* #dagtid-arbeid-skole "Dagtid, arbeid, skole og aktivitet" "Daytime, work, school and activity."
* #bolig "Bolig" "Housing."
* #fritid "Fritid" "Leisure."
* #okonomi "Økonomi" "Economy."
* #sosialt-nettverk "Sosialt nettverk" "Social network."

CodeSystem: IpPlanReview
Id: ip-plan-review
Title: "IP-bro plan reviews"
Description: "When a plan is adjusted, revised or evaluated (forskrift § 19 g)."
* ^caseSensitive = true
* ^content = #complete
* #revisjon "Revisjon" "The plan is revised."
* #evaluering "Evaluering" "The plan is evaluated."
* #justering "Justering" "The plan is adjusted."

CodeSystem: IpConsenterRole
Id: ip-consenter-role
Title: "IP-bro who consented"
Description: "In what capacity a consent was given."
* ^caseSensitive = true
* ^content = #complete
* #selv "Personen selv" "The person, 16 or older, consented for themselves."
* #foresatt "Foreldre eller verge" "A parent or guardian consented for a person under 16."
* #representant "Representant" "A representative (e.g. the nearest relative) consented for a person who lacks capacity; the reason is recorded."

CodeSystem: IpAssessmentKind
Id: ip-assessment-kind
Title: "IP-bro resource or need"
Description: "Whether a life-area assessment records a resource or a need (forskrift § 19 a)."
* ^caseSensitive = true
* ^content = #complete
* #resource "Ressurs" "A resource the person has."
* #need "Behov" "A need for services."
