// Package traffic makes the batches a collector sees on mixed traffic, for
// the processor's real-traffic benchmark and the end-to-end one: ordinary
// HTTP, database and messaging spans under about eight services whose
// resources carry about 25 attributes (service, k8s, host, cloud,
// container), with whole AI fixture requests mixed in at a given share of
// the spans. Everything is deterministic for a seed.
package traffic

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Options chooses a workload.
type Options struct {
	// AIPercent is the share of spans, 0 to 100, that come from whole AI
	// fixture requests; the rest are ordinary spans.
	AIPercent int
	// Spans is the least number of spans made.
	Spans int
	// Fixtures are the AI requests to copy, each with fresh trace ids.
	Fixtures []ptrace.Traces
	Seed     uint64
}

// Services is how many services the ordinary traces run through.
const Services = 8

// MaxRequestSpans is the most spans one ordinary request carries, as an
// SDK's batch span processor exports them (its default batch size).
const MaxRequestSpans = 512

// Generate returns the export requests of a workload, in arrival order.
func Generate(o Options) ([]ptrace.Traces, error) {
	if o.AIPercent < 0 || o.AIPercent > 100 {
		return nil, fmt.Errorf("traffic: AIPercent must be 0 to 100, got %d", o.AIPercent)
	}
	if o.AIPercent > 0 && len(o.Fixtures) == 0 {
		return nil, fmt.Errorf("traffic: an AI share of %d%% needs fixtures", o.AIPercent)
	}
	g := &gen{rng: rand.New(rand.NewPCG(o.Seed, 0x5eed)), open: map[int]*request{}}
	for i := range Services {
		g.resources = append(g.resources, resource(i))
	}
	aiTarget := o.Spans * o.AIPercent / 100
	plainTarget := o.Spans - aiTarget
	var out []ptrace.Traces
	ai, plain, copies := 0, 0, 0
	for ai < aiTarget || plain < plainTarget {
		if plain < plainTarget {
			plain += g.trace(&out)
		}
		// Keep the AI share even through the batch, one request at a time
		// so that the share does not overshoot by a whole round of them.
		for ai < aiTarget && (plain >= plainTarget || ai*plainTarget <= plain*aiTarget) {
			c := ptrace.NewTraces()
			o.Fixtures[copies%len(o.Fixtures)].CopyTo(c)
			// The n-th copy of each fixture: fresh ids per copy.
			FreshTraceIDs(c, uint64(copies/len(o.Fixtures)))
			ai += c.SpanCount()
			out = append(out, c)
			copies++
		}
	}
	for s := range Services {
		if r := g.open[s]; r != nil {
			out = append(out, r.td)
		}
	}
	return out, nil
}

// FreshTraceIDs makes a copy of a request a trace of its own by writing the
// copy number into the last bytes of every trace id.
func FreshTraceIDs(td ptrace.Traces, n uint64) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				sp := spans.At(k)
				id := sp.TraceID()
				binary.BigEndian.PutUint64(id[8:], binary.BigEndian.Uint64(id[8:])^(n+1)*0x9e3779b97f4a7c15)
				sp.SetTraceID(id)
			}
		}
	}
}

type gen struct {
	rng       *rand.Rand
	resources []pcommon.Resource
	open      map[int]*request // the request each service is filling
	spanSeq   uint64
	now       uint64
}

// request is one service's export request being filled, with a scope per
// instrumentation library.
type request struct {
	td     ptrace.Traces
	scopes map[string]ptrace.SpanSlice
	spans  int
}

type kind int

const (
	httpServer kind = iota
	httpClient
	database
	producer
	consumer
)

var scopeOf = map[kind]string{
	httpServer: "io.opentelemetry.netty-4.1",
	httpClient: "io.opentelemetry.java-http-client",
	database:   "io.opentelemetry.jdbc",
	producer:   "io.opentelemetry.kafka-clients-2.6",
	consumer:   "io.opentelemetry.kafka-clients-2.6",
}

// span appends an empty span of kind k to service s's open request,
// sending the request on when it is full.
func (g *gen) span(out *[]ptrace.Traces, s int, k kind) ptrace.Span {
	r := g.open[s]
	if r == nil {
		r = &request{td: ptrace.NewTraces(), scopes: map[string]ptrace.SpanSlice{}}
		rs := r.td.ResourceSpans().AppendEmpty()
		g.resources[s].CopyTo(rs.Resource())
		rs.SetSchemaUrl("https://opentelemetry.io/schemas/1.37.0")
		g.open[s] = r
	}
	name := scopeOf[k]
	sl, ok := r.scopes[name]
	if !ok {
		ss := r.td.ResourceSpans().At(0).ScopeSpans().AppendEmpty()
		ss.Scope().SetName(name)
		ss.Scope().SetVersion("2.10.0-alpha")
		sl = ss.Spans()
		r.scopes[name] = sl
	}
	sp := sl.AppendEmpty()
	if r.spans++; r.spans >= MaxRequestSpans {
		*out = append(*out, r.td)
		delete(g.open, s)
	}
	return sp
}

// trace makes one ordinary trace of 5 to 30 spans and returns its size.
func (g *gen) trace(out *[]ptrace.Traces) int {
	var tid pcommon.TraceID
	binary.BigEndian.PutUint64(tid[:8], g.rng.Uint64())
	binary.BigEndian.PutUint64(tid[8:], g.rng.Uint64())
	n := 5 + g.rng.IntN(26)
	type node struct {
		id      pcommon.SpanID
		service int
	}
	nodes := make([]node, 0, n)
	g.now += 1_000_000
	start := uint64(1767225600000000000) + g.now
	for i := range n {
		k, s, parent := httpServer, g.rng.IntN(Services), pcommon.SpanID{}
		if i > 0 {
			p := nodes[g.rng.IntN(len(nodes))]
			parent, s = p.id, p.service
			switch x := g.rng.IntN(100); {
			case x < 25:
				k = httpClient
			case x < 40:
				k, s = httpServer, g.rng.IntN(Services)
			case x < 75:
				k = database
			case x < 88:
				k = producer
			default:
				k, s = consumer, g.rng.IntN(Services)
			}
		}
		g.spanSeq++
		var sid pcommon.SpanID
		binary.BigEndian.PutUint64(sid[:], g.spanSeq)
		nodes = append(nodes, node{sid, s})
		sp := g.span(out, s, k)
		sp.SetTraceID(tid)
		sp.SetSpanID(sid)
		sp.SetParentSpanID(parent)
		sp.SetStartTimestamp(pcommon.Timestamp(start + uint64(i)*1000))
		sp.SetEndTimestamp(pcommon.Timestamp(start + uint64(i)*1000 + uint64(g.rng.IntN(50_000_000))))
		g.fill(sp, k)
	}
	return n
}

var routes = []string{"/api/orders/{id}", "/api/carts/{cartId}/items", "/api/users/{id}/profile", "/healthz", "/api/search", "/api/payments"}
var tables = []string{"orders", "order_items", "customers", "carts", "payments", "inventory"}
var topics = []string{"orders.created", "payments.settled", "inventory.reserved"}

func (g *gen) fill(sp ptrace.Span, k kind) {
	a := sp.Attributes()
	switch k {
	case httpServer:
		route := routes[g.rng.IntN(len(routes))]
		method := []string{"GET", "GET", "GET", "POST", "PUT"}[g.rng.IntN(5)]
		sp.SetName(method + " " + route)
		sp.SetKind(ptrace.SpanKindServer)
		a.EnsureCapacity(14)
		a.PutStr("http.request.method", method)
		a.PutStr("http.route", route)
		a.PutStr("url.path", strings.ReplaceAll(route, "{id}", fmt.Sprint(g.rng.IntN(100000))))
		a.PutStr("url.scheme", "https")
		a.PutStr("server.address", "shop.example.com")
		a.PutInt("server.port", 443)
		a.PutStr("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")
		a.PutStr("client.address", fmt.Sprintf("10.%d.%d.%d", g.rng.IntN(256), g.rng.IntN(256), g.rng.IntN(256)))
		a.PutStr("network.protocol.version", "1.1")
		a.PutStr("network.peer.address", "10.0.3.17")
		a.PutInt("network.peer.port", int64(30000+g.rng.IntN(30000)))
		if g.rng.IntN(100) < 5 {
			a.PutInt("http.response.status_code", 500)
			g.fail(sp, "500", "java.lang.IllegalStateException", "order is locked by another update")
		} else {
			a.PutInt("http.response.status_code", 200)
		}
	case httpClient:
		method := []string{"GET", "POST"}[g.rng.IntN(2)]
		sp.SetName(method)
		sp.SetKind(ptrace.SpanKindClient)
		host := fmt.Sprintf("svc-%d.shop.svc.cluster.local", g.rng.IntN(Services))
		a.EnsureCapacity(8)
		a.PutStr("http.request.method", method)
		a.PutStr("url.full", "http://"+host+":8080"+routes[g.rng.IntN(len(routes))])
		a.PutStr("server.address", host)
		a.PutInt("server.port", 8080)
		a.PutStr("network.protocol.version", "1.1")
		if g.rng.IntN(100) < 3 {
			g.fail(sp, "java.net.http.HttpTimeoutException", "java.net.http.HttpTimeoutException", "request timed out")
		} else {
			a.PutInt("http.response.status_code", 200)
		}
	case database:
		table := tables[g.rng.IntN(len(tables))]
		op := []string{"SELECT", "SELECT", "UPDATE", "INSERT"}[g.rng.IntN(4)]
		sp.SetName(op + " shop." + table)
		sp.SetKind(ptrace.SpanKindClient)
		a.EnsureCapacity(8)
		a.PutStr("db.system.name", "postgresql")
		a.PutStr("db.namespace", "shop")
		a.PutStr("db.operation.name", op)
		a.PutStr("db.collection.name", table)
		a.PutStr("db.query.text", g.query(op, table))
		a.PutStr("server.address", "pg-primary.shop.svc.cluster.local")
		a.PutInt("server.port", 5432)
	case producer, consumer:
		topic := topics[g.rng.IntN(len(topics))]
		a.EnsureCapacity(9)
		a.PutStr("messaging.system", "kafka")
		a.PutStr("messaging.destination.name", topic)
		a.PutStr("messaging.destination.partition.id", fmt.Sprint(g.rng.IntN(12)))
		a.PutStr("messaging.message.id", fmt.Sprintf("%016x", g.rng.Uint64()))
		a.PutStr("server.address", "kafka-0.kafka.svc.cluster.local")
		a.PutInt("server.port", 9092)
		if k == producer {
			sp.SetName("publish " + topic)
			sp.SetKind(ptrace.SpanKindProducer)
			a.PutStr("messaging.operation.type", "send")
			a.PutStr("messaging.operation.name", "publish")
			a.PutStr("messaging.kafka.message.key", fmt.Sprintf("order-%d", g.rng.IntN(100000)))
		} else {
			sp.SetName("process " + topic)
			sp.SetKind(ptrace.SpanKindConsumer)
			a.PutStr("messaging.operation.type", "process")
			a.PutStr("messaging.consumer.group.name", "fulfilment")
			a.PutInt("messaging.kafka.offset", int64(g.rng.IntN(1_000_000)))
		}
	}
}

// fail marks sp failed as the Java agent does: status, error.type and an
// exception event with a stack trace.
func (g *gen) fail(sp ptrace.Span, errType, excType, msg string) {
	sp.Status().SetCode(ptrace.StatusCodeError)
	sp.Attributes().PutStr("error.type", errType)
	ev := sp.Events().AppendEmpty()
	ev.SetName("exception")
	ev.SetTimestamp(sp.EndTimestamp())
	ea := ev.Attributes()
	ea.PutStr("exception.type", excType)
	ea.PutStr("exception.message", msg)
	ea.PutStr("exception.stacktrace", excType+": "+msg+
		"\n\tat com.example.shop.orders.OrderService.update(OrderService.java:214)"+
		"\n\tat com.example.shop.orders.OrderController.put(OrderController.java:88)"+
		"\n\tat io.netty.channel.AbstractChannelHandlerContext.invokeChannelRead(AbstractChannelHandlerContext.java:444)"+
		"\n\tat java.base/java.lang.Thread.run(Thread.java:1583)")
}

var columns = []string{"id", "customer_id", "status", "created_at", "updated_at", "total_cents", "currency",
	"shipping_address_id", "billing_address_id", "coupon_code", "channel", "version"}

// query returns a statement of 200 to 400 characters.
func (g *gen) query(op, table string) string {
	want := 200 + g.rng.IntN(201)
	var b strings.Builder
	switch op {
	case "SELECT":
		b.WriteString("SELECT ")
		for i := 0; b.Len() < want-60; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "t.%s", columns[i%len(columns)])
		}
		fmt.Fprintf(&b, " FROM shop.%s t WHERE t.customer_id = $1 AND t.status = $2", table)
	case "UPDATE":
		fmt.Fprintf(&b, "UPDATE shop.%s SET ", table)
		for i := 0; b.Len() < want-40; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s = $%d", columns[i%len(columns)], i+1)
		}
		b.WriteString(" WHERE id = $99 AND version = $98")
	default:
		fmt.Fprintf(&b, "INSERT INTO shop.%s (", table)
		n := 0
		for ; b.Len() < want/2; n++ {
			if n > 0 {
				b.WriteString(", ")
			}
			b.WriteString(columns[n%len(columns)])
		}
		b.WriteString(") VALUES (")
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "$%d", i+1)
		}
		b.WriteString(")")
	}
	for b.Len() < 200 {
		b.WriteString(" /* pad */")
	}
	s := b.String()
	if len(s) > 400 {
		s = s[:400]
	}
	return s
}

// resource is service i's resource: 26 attributes from the SDK and the
// k8s, host, cloud and container detectors.
func resource(i int) pcommon.Resource {
	r := pcommon.NewResource()
	a := r.Attributes()
	name := []string{"frontend", "orders", "payments", "inventory", "carts", "users", "search", "shipping"}[i%8]
	pod := fmt.Sprintf("%s-7d9f8b6c5-%05x", name, i*7919)
	a.PutStr("service.name", name)
	a.PutStr("service.namespace", "shop")
	a.PutStr("service.version", fmt.Sprintf("1.%d.3", i))
	a.PutStr("service.instance.id", fmt.Sprintf("6f1c2d3e-%04x-4a5b-8c9d-0e1f2a3b4c5d", i))
	a.PutStr("deployment.environment.name", "production")
	a.PutStr("telemetry.sdk.name", "opentelemetry")
	a.PutStr("telemetry.sdk.language", "java")
	a.PutStr("telemetry.sdk.version", "1.45.0")
	a.PutStr("telemetry.distro.name", "opentelemetry-java-instrumentation")
	a.PutStr("telemetry.distro.version", "2.10.0")
	a.PutStr("host.name", pod)
	a.PutStr("host.arch", "amd64")
	a.PutStr("os.type", "linux")
	a.PutStr("os.description", "Linux 6.1.112-124.190.amzn2023.x86_64")
	a.PutInt("process.pid", int64(1+i))
	a.PutStr("process.runtime.name", "OpenJDK Runtime Environment")
	a.PutStr("process.runtime.version", "21.0.5+11-LTS")
	a.PutStr("container.id", fmt.Sprintf("%064x", uint64(i+1)*0x9e3779b97f4a7c15))
	a.PutStr("container.image.name", "registry.example.com/shop/"+name)
	a.PutStr("k8s.cluster.name", "prod-eu-west-1")
	a.PutStr("k8s.namespace.name", "shop")
	a.PutStr("k8s.node.name", fmt.Sprintf("ip-10-0-%d-17.eu-west-1.compute.internal", i))
	a.PutStr("k8s.pod.name", pod)
	a.PutStr("k8s.deployment.name", name)
	a.PutStr("cloud.provider", "aws")
	a.PutStr("cloud.region", "eu-west-1")
	return r
}
