package stepprocessor

import "github.com/agentsteps/collector/step"

// ctxMask has one bit per context field, to remember cheaply which fields a
// released step already had.
type ctxMask uint8

const (
	maskAgent ctxMask = 1 << iota
	maskRun
	maskConversation
	maskUser
	maskProject
	maskOrganization
	maskTags
)

// fillContext sets each field of c that is unset from from: c holds nearer
// values, so they win.
func fillContext(c, from *stepContext) {
	if c.AgentID == "" {
		c.AgentID = from.AgentID
	}
	if c.RunID == "" {
		c.RunID = from.RunID
	}
	if c.ConversationID == "" {
		c.ConversationID = from.ConversationID
	}
	if c.UserID == "" {
		c.UserID = from.UserID
	}
	if c.ProjectID == "" {
		c.ProjectID = from.ProjectID
	}
	if c.OrganizationID == "" {
		c.OrganizationID = from.OrganizationID
	}
	if len(c.Tags) == 0 {
		c.Tags = from.Tags
	}
}

func (c *stepContext) maskOf() ctxMask {
	var m ctxMask
	set := func(b ctxMask, ok bool) {
		if ok {
			m |= b
		}
	}
	set(maskAgent, c.AgentID != "")
	set(maskRun, c.RunID != "")
	set(maskConversation, c.ConversationID != "")
	set(maskUser, c.UserID != "")
	set(maskProject, c.ProjectID != "")
	set(maskOrganization, c.OrganizationID != "")
	set(maskTags, len(c.Tags) > 0)
	return m
}

// contextMask says which context fields a step record has.
func contextMask(p *step.Step) ctxMask {
	c := stepContext{AgentID: p.AgentID, RunID: p.RunID, ConversationID: p.ConversationID,
		UserID: p.UserID, ProjectID: p.ProjectID, OrganizationID: p.OrganizationID, Tags: p.Tags}
	return c.maskOf()
}

// applyContext fills the step's unset context fields: what the span
// recorded of its own step wins over what it inherits.
func applyContext(p *step.Step, c *stepContext) { applyContextMasked(p, c, ^ctxMask(0)) }

func applyContextMasked(p *step.Step, c *stepContext, m ctxMask) {
	fill := func(b ctxMask, dst *string, v string) {
		if m&b != 0 && *dst == "" {
			*dst = v
		}
	}
	fill(maskAgent, &p.AgentID, c.AgentID)
	fill(maskRun, &p.RunID, c.RunID)
	fill(maskConversation, &p.ConversationID, c.ConversationID)
	fill(maskUser, &p.UserID, c.UserID)
	fill(maskProject, &p.ProjectID, c.ProjectID)
	fill(maskOrganization, &p.OrganizationID, c.OrganizationID)
	if m&maskTags != 0 && len(p.Tags) == 0 && len(c.Tags) > 0 {
		p.Tags = c.Tags
	}
}
