// Written for vc-coredns's test fixture (test/support/go-harness.ts copies it into every tag).

package main

// The DNS mode of the vc-coredns test fixture: a small stand-in for CoreDNS's kubernetes plugin. It reads
// the "kubernetes ZONE... { endpoint URL }" block of a Corefile, LISTs and WATCHes Services and
// EndpointSlices at that URL, converts every Service with plugin/kubernetes/object (the code the patch
// changes) and answers A, AAAA and PTR questions over UDP and TCP. Only the standard library, and only
// what Go 1.12 has, so that every fixture tag builds it offline with every Go the tests use; and not
// net/http either, whose TLS and MIME dependencies would multiply the time of every cross-compiled
// fixture build: plain HTTP/1.1 GETs are written out below.

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/ioutil"
	"net"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/coredns/coredns/coremain"

	api "k8s.io/api/core/v1"
)

// corefile is what the DNS mode reads from a Corefile.
type corefile struct {
	port     string
	bind     string
	zones    []string
	endpoint string
	log      bool
}

// parseCorefile reads the first server block: its port, bind, log and the kubernetes block.
func parseCorefile(text, defaultPort string) (*corefile, error) {
	cf := &corefile{port: defaultPort}
	inKubernetes := false
	for _, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if i := strings.Index(line, "#"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		switch {
		case inKubernetes && fields[0] == "}":
			inKubernetes = false
		case inKubernetes && fields[0] == "endpoint" && len(fields) > 1:
			cf.endpoint = strings.TrimRight(fields[1], "/")
		case inKubernetes:
			// other kubernetes options are accepted and ignored
		case fields[0] == "kubernetes":
			for _, z := range fields[1:] {
				if z != "{" {
					cf.zones = append(cf.zones, strings.ToLower(strings.TrimSuffix(z, "."))+".")
				}
			}
			inKubernetes = fields[len(fields)-1] == "{"
		case fields[0] == "bind" && len(fields) > 1:
			cf.bind = fields[1]
		case fields[0] == "log":
			cf.log = true
		case strings.HasSuffix(fields[0], "{") || (len(fields) > 1 && fields[1] == "{"):
			key := strings.TrimSuffix(fields[0], "{")
			if i := strings.LastIndex(key, ":"); i >= 0 {
				cf.port = key[i+1:]
			}
		}
	}
	if cf.endpoint == "" {
		return nil, errors.New("the Corefile has no kubernetes block with an endpoint")
	}
	return cf, nil
}

type wireMeta struct {
	Name            string            `json:"name"`
	Namespace       string            `json:"namespace"`
	ResourceVersion string            `json:"resourceVersion"`
	Annotations     map[string]string `json:"annotations"`
	Labels          map[string]string `json:"labels"`
}

type wirePort struct {
	Name     string `json:"name"`
	Protocol string `json:"protocol"`
	Port     int32  `json:"port"`
}

type wireService struct {
	Metadata wireMeta `json:"metadata"`
	Spec     struct {
		Type       string     `json:"type"`
		ClusterIP  string     `json:"clusterIP"`
		ClusterIPs []string   `json:"clusterIPs"`
		Ports      []wirePort `json:"ports"`
	} `json:"spec"`
}

type wireSlice struct {
	Metadata    wireMeta `json:"metadata"`
	AddressType string   `json:"addressType"`
	Endpoints   []struct {
		Addresses  []string `json:"addresses"`
		Conditions struct {
			Ready *bool `json:"ready"`
		} `json:"conditions"`
	} `json:"endpoints"`
}

type wireList struct {
	Metadata struct {
		ResourceVersion string `json:"resourceVersion"`
	} `json:"metadata"`
	Items []json.RawMessage `json:"items"`
}

type wireEvent struct {
	Type   string          `json:"type"`
	Object json.RawMessage `json:"object"`
}

// store holds what the informers saw: each Service's addresses as the object package converted them,
// and each Service's ready endpoint addresses.
type store struct {
	sync.RWMutex
	services map[string][]string            // "name.namespace" -> converted cluster IPs
	slices   map[string]map[string][]string // "name.namespace" of the Service -> slice name -> addresses
}

func (s *store) setService(obj json.RawMessage, deleted bool) error {
	var w wireService
	if err := json.Unmarshal(obj, &w); err != nil {
		return err
	}
	name := w.Metadata.Name + "." + w.Metadata.Namespace
	s.Lock()
	defer s.Unlock()
	if deleted {
		delete(s.services, name)
		return nil
	}
	svc := &api.Service{}
	svc.Name = w.Metadata.Name
	svc.Namespace = w.Metadata.Namespace
	svc.ResourceVersion = w.Metadata.ResourceVersion
	svc.Annotations = w.Metadata.Annotations
	svc.Spec.Type = api.ServiceType(w.Spec.Type)
	svc.Spec.ClusterIP = w.Spec.ClusterIP
	svc.Spec.ClusterIPs = w.Spec.ClusterIPs
	for _, p := range w.Spec.Ports {
		svc.Spec.Ports = append(svc.Spec.Ports, api.ServicePort{Name: p.Name, Protocol: p.Protocol, Port: p.Port})
	}
	ips, err := convert(svc)
	if err != nil {
		return err
	}
	s.services[name] = ips
	return nil
}

func (s *store) setSlice(obj json.RawMessage, deleted bool) error {
	var w wireSlice
	if err := json.Unmarshal(obj, &w); err != nil {
		return err
	}
	owner := w.Metadata.Labels["kubernetes.io/service-name"] + "." + w.Metadata.Namespace
	s.Lock()
	defer s.Unlock()
	if s.slices[owner] == nil {
		s.slices[owner] = map[string][]string{}
	}
	if deleted {
		delete(s.slices[owner], w.Metadata.Name)
		return nil
	}
	var ips []string
	for _, e := range w.Endpoints {
		if e.Conditions.Ready == nil || *e.Conditions.Ready {
			ips = append(ips, e.Addresses...)
		}
	}
	s.slices[owner][w.Metadata.Name] = ips
	return nil
}

// addresses returns the A or AAAA data of a Service: its converted cluster IPs, or for a headless
// Service its ready endpoints. found is false when there is no such Service.
func (s *store) addresses(name string, v6 bool) (ips []string, found bool) {
	s.RLock()
	defer s.RUnlock()
	cluster, ok := s.services[name]
	if !ok {
		return nil, false
	}
	all := cluster
	if len(cluster) > 0 && cluster[0] == "None" {
		all = nil
		for _, slice := range s.slices[name] {
			all = append(all, slice...)
		}
	}
	for _, ip := range all {
		parsed := net.ParseIP(ip)
		if parsed != nil && (parsed.To4() == nil) == v6 {
			ips = append(ips, ip)
		}
	}
	sort.Strings(ips)
	return ips, true
}

// serviceFor returns the "name.namespace" whose converted cluster IPs hold ip.
func (s *store) serviceFor(ip string) string {
	s.RLock()
	defer s.RUnlock()
	for name, ips := range s.services {
		for _, x := range ips {
			if x == ip {
				return name
			}
		}
	}
	return ""
}

// informer LISTs a resource once, then WATCHes it from the list's resourceVersion, again and again.
type informer struct {
	url   string
	apply func(obj json.RawMessage, deleted bool) error
}

// httpGet sends "GET rawurl" over HTTP/1.1 on a new connection and returns the status code and the
// body (Content-Length, chunked, or until the server closes); closing the body closes the connection.
func httpGet(rawurl string) (int, io.ReadCloser, error) {
	u, err := url.Parse(rawurl)
	if err != nil {
		return 0, nil, err
	}
	if u.Scheme != "http" {
		return 0, nil, fmt.Errorf("%s: only http:// endpoints are served by the fixture", rawurl)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		return 0, nil, err
	}
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nAccept: application/json\r\nUser-Agent: coredns-fixture\r\nConnection: close\r\n\r\n", u.RequestURI(), u.Host)
	br := bufio.NewReader(conn)
	status, err := br.ReadString('\n')
	if err != nil {
		conn.Close()
		return 0, nil, err
	}
	fields := strings.Fields(status)
	if len(fields) < 2 {
		conn.Close()
		return 0, nil, fmt.Errorf("GET %s: bad status line %q", rawurl, status)
	}
	code, err := strconv.Atoi(fields[1])
	if err != nil {
		conn.Close()
		return 0, nil, fmt.Errorf("GET %s: bad status line %q", rawurl, status)
	}
	length := int64(-1)
	chunked := false
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			conn.Close()
			return 0, nil, err
		}
		line = strings.TrimSpace(line)
		if line == "" {
			break
		}
		i := strings.Index(line, ":")
		if i < 0 {
			continue
		}
		name, value := strings.ToLower(strings.TrimSpace(line[:i])), strings.TrimSpace(line[i+1:])
		switch {
		case name == "content-length":
			length, _ = strconv.ParseInt(value, 10, 64)
		case name == "transfer-encoding" && strings.Contains(strings.ToLower(value), "chunked"):
			chunked = true
		}
	}
	var body io.Reader = br
	if chunked {
		body = &chunkedReader{r: br}
	} else if length >= 0 {
		body = io.LimitReader(br, length)
	}
	return code, &connBody{Reader: body, conn: conn}, nil
}

type connBody struct {
	io.Reader
	conn net.Conn
}

func (b *connBody) Close() error { return b.conn.Close() }

// chunkedReader decodes an HTTP/1.1 chunked body.
type chunkedReader struct {
	r    *bufio.Reader
	left int64 // bytes left in the current chunk
	done bool
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	if c.done {
		return 0, io.EOF
	}
	if c.left == 0 {
		line, err := c.r.ReadString('\n')
		if err != nil {
			return 0, err
		}
		line = strings.TrimSpace(line)
		if i := strings.Index(line, ";"); i >= 0 {
			line = line[:i]
		}
		size, err := strconv.ParseInt(line, 16, 64)
		if err != nil {
			return 0, fmt.Errorf("bad chunk size %q", line)
		}
		if size == 0 {
			c.done = true
			return 0, io.EOF
		}
		c.left = size
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if err == nil && c.left == 0 {
		_, err = c.r.Discard(2) // the CRLF after the chunk
	}
	return n, err
}

func (in *informer) list() (string, error) {
	code, body, err := httpGet(in.url + "?limit=500&resourceVersion=0")
	if err != nil {
		return "", err
	}
	defer body.Close()
	data, err := ioutil.ReadAll(body)
	if err != nil {
		return "", err
	}
	if code != 200 {
		return "", fmt.Errorf("LIST %s: status %d", in.url, code)
	}
	var l wireList
	if err := json.Unmarshal(data, &l); err != nil {
		return "", err
	}
	for _, item := range l.Items {
		if err := in.apply(item, false); err != nil {
			return "", err
		}
	}
	return l.Metadata.ResourceVersion, nil
}

func (in *informer) watch(rv string) (string, error) {
	code, body, err := httpGet(in.url + "?allowWatchBookmarks=true&timeoutSeconds=300&watch=true&resourceVersion=" + rv)
	if err != nil {
		return rv, err
	}
	defer body.Close()
	if code != 200 {
		return rv, fmt.Errorf("WATCH %s: status %d", in.url, code)
	}
	scanner := bufio.NewScanner(body)
	scanner.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for scanner.Scan() {
		var e wireEvent
		if err := json.Unmarshal(scanner.Bytes(), &e); err != nil {
			return rv, err
		}
		var meta struct {
			Metadata wireMeta `json:"metadata"`
		}
		if err := json.Unmarshal(e.Object, &meta); err != nil {
			return rv, err
		}
		switch e.Type {
		case "ADDED", "MODIFIED", "DELETED":
			if err := in.apply(e.Object, e.Type == "DELETED"); err != nil {
				return rv, err
			}
		case "BOOKMARK":
		default:
			return rv, fmt.Errorf("WATCH %s: event %s", in.url, e.Type)
		}
		if meta.Metadata.ResourceVersion != "" {
			rv = meta.Metadata.ResourceVersion
		}
	}
	return rv, scanner.Err()
}

func (in *informer) run(rv string) {
	for {
		next, err := in.watch(rv)
		if err != nil {
			fmt.Fprintf(os.Stderr, "[ERROR] plugin/kubernetes: %v\n", err)
			time.Sleep(time.Second)
		}
		rv = next
	}
}

// DNS wire format: just what one question and its A, AAAA or PTR answers need.
const (
	typeA    = 1
	typePTR  = 12
	typeAAAA = 28
	classIN  = 1

	rcodeSuccess  = 0
	rcodeFormErr  = 1
	rcodeNXDomain = 3
	rcodeRefused  = 5
)

type question struct {
	name   string // lower case, with the final dot
	qtype  uint16
	qclass uint16
	end    int // offset after the question
}

func parseQuestion(msg []byte) (*question, error) {
	if len(msg) < 12 || binary.BigEndian.Uint16(msg[4:6]) != 1 {
		return nil, errors.New("not a query with one question")
	}
	var labels []string
	i := 12
	for {
		if i >= len(msg) {
			return nil, errors.New("truncated name")
		}
		n := int(msg[i])
		i++
		if n == 0 {
			break
		}
		if n > 63 || i+n > len(msg) {
			return nil, errors.New("bad label")
		}
		labels = append(labels, strings.ToLower(string(msg[i:i+n])))
		i += n
	}
	if i+4 > len(msg) {
		return nil, errors.New("truncated question")
	}
	return &question{
		name:   strings.Join(labels, ".") + ".",
		qtype:  binary.BigEndian.Uint16(msg[i : i+2]),
		qclass: binary.BigEndian.Uint16(msg[i+2 : i+4]),
		end:    i + 4,
	}, nil
}

func encodeName(name string) []byte {
	var b []byte
	for _, label := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		if label == "" {
			continue
		}
		b = append(b, byte(len(label)))
		b = append(b, label...)
	}
	return append(b, 0)
}

type record struct {
	rtype uint16
	data  []byte
}

func reply(query []byte, q *question, rcode int, answers []record) []byte {
	out := make([]byte, 12, 512)
	copy(out[0:2], query[0:2])
	flags := uint16(0x8000 | 0x0400) // QR, AA
	flags |= binary.BigEndian.Uint16(query[2:4]) & 0x0100
	flags |= uint16(rcode)
	binary.BigEndian.PutUint16(out[2:4], flags)
	binary.BigEndian.PutUint16(out[4:6], 1)
	binary.BigEndian.PutUint16(out[6:8], uint16(len(answers)))
	out = append(out, query[12:q.end]...)
	for _, a := range answers {
		out = append(out, 0xc0, 12) // the name of the question
		var fixed [10]byte
		binary.BigEndian.PutUint16(fixed[0:2], a.rtype)
		binary.BigEndian.PutUint16(fixed[2:4], classIN)
		binary.BigEndian.PutUint32(fixed[4:8], 5)
		binary.BigEndian.PutUint16(fixed[8:10], uint16(len(a.data)))
		out = append(out, fixed[:]...)
		out = append(out, a.data...)
	}
	return out
}

type server struct {
	cf    *corefile
	store *store
}

// answer returns the reply to one query, or nil when the message is not worth one.
func (s *server) answer(msg []byte) []byte {
	q, err := parseQuestion(msg)
	if err != nil {
		if len(msg) >= 12 {
			hdr := append([]byte{}, msg[:12]...)
			binary.BigEndian.PutUint16(hdr[2:4], 0x8000|rcodeFormErr)
			binary.BigEndian.PutUint16(hdr[4:6], 0)
			return hdr[:12]
		}
		return nil
	}
	zone := ""
	for _, z := range s.cf.zones {
		if q.name == z || strings.HasSuffix(q.name, "."+z) {
			zone = z
		}
	}
	if zone == "" || q.qclass != classIN {
		return reply(msg, q, rcodeRefused, nil)
	}
	if strings.HasSuffix(zone, "in-addr.arpa.") {
		parts := strings.Split(strings.TrimSuffix(q.name, ".in-addr.arpa."), ".")
		if len(parts) != 4 || q.qtype != typePTR {
			return reply(msg, q, rcodeNXDomain, nil)
		}
		ip := parts[3] + "." + parts[2] + "." + parts[1] + "." + parts[0]
		svc := s.store.serviceFor(ip)
		if svc == "" {
			return reply(msg, q, rcodeNXDomain, nil)
		}
		return reply(msg, q, rcodeSuccess, []record{{typePTR, encodeName(svc + ".svc." + s.cf.zones[0])}})
	}
	// name.namespace.svc.zone
	rest := strings.TrimSuffix(strings.TrimSuffix(q.name, zone), ".")
	labels := strings.Split(rest, ".")
	if len(labels) != 3 || labels[2] != "svc" {
		return reply(msg, q, rcodeNXDomain, nil)
	}
	ips, found := s.store.addresses(labels[0]+"."+labels[1], q.qtype == typeAAAA)
	if !found {
		return reply(msg, q, rcodeNXDomain, nil)
	}
	var answers []record
	if q.qtype == typeA || q.qtype == typeAAAA {
		for _, ip := range ips {
			parsed := net.ParseIP(ip)
			if q.qtype == typeA {
				answers = append(answers, record{typeA, parsed.To4()})
			} else {
				answers = append(answers, record{typeAAAA, parsed.To16()})
			}
		}
	}
	return reply(msg, q, rcodeSuccess, answers)
}

func (s *server) logQuery(proto string, msg []byte) {
	if !s.cf.log {
		return
	}
	if q, err := parseQuestion(msg); err == nil {
		fmt.Printf("[INFO] %s %d %s\n", proto, q.qtype, q.name)
	}
}

func (s *server) serveUDP(conn net.PacketConn) {
	buf := make([]byte, 65535)
	for {
		n, addr, err := conn.ReadFrom(buf)
		if err != nil {
			fmt.Fprintf(os.Stderr, "[ERROR] udp: %v\n", err)
			return
		}
		msg := append([]byte{}, buf[:n]...)
		s.logQuery("udp", msg)
		if out := s.answer(msg); out != nil {
			conn.WriteTo(out, addr)
		}
	}
}

func (s *server) serveTCP(l net.Listener) {
	for {
		conn, err := l.Accept()
		if err != nil {
			fmt.Fprintf(os.Stderr, "[ERROR] tcp: %v\n", err)
			return
		}
		go func(c net.Conn) {
			defer c.Close()
			for {
				var size [2]byte
				if _, err := io.ReadFull(c, size[:]); err != nil {
					return
				}
				msg := make([]byte, binary.BigEndian.Uint16(size[:]))
				if _, err := io.ReadFull(c, msg); err != nil {
					return
				}
				s.logQuery("tcp", msg)
				out := s.answer(msg)
				if out == nil {
					return
				}
				binary.BigEndian.PutUint16(size[:], uint16(len(out)))
				if _, err := c.Write(append(size[:], out...)); err != nil {
					return
				}
			}
		}(conn)
	}
}

// pluginList is what "coredns -plugins" prints, in CoreDNS's layout.
const pluginList = `Server types:
  dns

Caddyfile loaders:
  flag
  default

Other plugins:
  dns.bind
  dns.errors
  dns.kubernetes
  dns.log
`

// runDNS is the DNS mode: it returns only on a start-up failure.
func runDNS(confPath, defaultPort string) error {
	text, err := ioutil.ReadFile(confPath)
	if err != nil {
		return err
	}
	cf, err := parseCorefile(string(text), defaultPort)
	if err != nil {
		return err
	}
	st := &store{services: map[string][]string{}, slices: map[string]map[string][]string{}}
	informers := []*informer{
		{url: cf.endpoint + "/api/v1/services", apply: st.setService},
		{url: cf.endpoint + "/apis/discovery.k8s.io/v1/endpointslices", apply: st.setSlice},
	}
	// Like CoreDNS, serve only once the informers have synced.
	versions := make([]string, len(informers))
	for i, in := range informers {
		for {
			rv, err := in.list()
			if err == nil {
				versions[i] = rv
				break
			}
			fmt.Fprintf(os.Stderr, "[INFO] plugin/kubernetes: waiting for the Kubernetes API: %v\n", err)
			time.Sleep(500 * time.Millisecond)
		}
	}
	for i, in := range informers {
		go in.run(versions[i])
	}

	addr := net.JoinHostPort(cf.bind, cf.port)
	udp, err := net.ListenPacket("udp", addr)
	if err != nil {
		return err
	}
	tcp, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &server{cf: cf, store: st}
	go srv.serveUDP(udp)
	go srv.serveTCP(tcp)

	fmt.Printf(".:%s\n", cf.port)
	fmt.Printf("%s-%s\n", coremain.CoreName, coremain.CoreVersion)
	fmt.Printf("%s/%s, %s, %s\n", runtime.GOOS, runtime.GOARCH, runtime.Version(), coremain.GitCommit)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	fmt.Println("[INFO] SIGTERM: Shutting down servers then terminating")
	return nil
}
