"""GraphQL documents of the support tests."""

TICKET_FIELDS = """id number status priority channel type subject description tags version
  createdAt firstRespondedAt solvedAt closedAt customer { id } assignee { id }
  slaPolicy { id name }
  sla { firstResponseDueAt resolutionDueAt firstResponseBreached resolutionBreached
        remainingBusinessMinutes paused }"""
ERRORS = "userErrors { field message code currentVersion }"

CREATE = f"""mutation($input: CreateTicketInput!) {{ createTicket(input: $input) {{
  ticket {{ {TICKET_FIELDS} }} {ERRORS} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: UpdateTicketInput!) {{
  updateTicket(id: $id, input: $input) {{ ticket {{ {TICKET_FIELDS} }} {ERRORS} }} }}"""
STATUS = f"""mutation($id: ID!, $status: TicketStatus!, $version: Int!) {{
  changeTicketStatus(id: $id, status: $status, version: $version) {{
  surveyToken ticket {{ {TICKET_FIELDS} }} {ERRORS} }} }}"""
ASSIGN = f"""mutation($id: ID!, $assignee: ID, $version: Int!) {{
  assignTicket(id: $id, assignee: $assignee, version: $version) {{
  ticket {{ {TICKET_FIELDS} }} {ERRORS} }} }}"""
COMMENT = f"""mutation($id: ID!, $body: String!, $kind: TicketCommentKind!) {{
  addTicketComment(ticketId: $id, input: {{body: $body, kind: $kind}}) {{
  comment {{ id body kind public author {{ id }} }} ticket {{ {TICKET_FIELDS} }} {ERRORS} }} }}"""
CALENDAR = """mutation($input: CreateBusinessCalendarInput!) {
  createBusinessCalendar(input: $input) {
  businessCalendar { id name timeZone holidayCountry workingHours { day start end } }
  userErrors { field message code } } }"""
POLICY = """mutation($input: CreateSlaPolicyInput!) { createSlaPolicy(input: $input) {
  slaPolicy { id name priority firstResponseMinutes resolutionMinutes calendar { id } }
  userErrors { field message code } } }"""
