//go:build e2e

package e2e

// Exceptions by TLS client identity: a private dockerd with --tlsverify on a
// loopback TCP port, certificates made here with crypto/x509.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

type certFiles struct{ ca, cert, key string }

type pki struct {
	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey
	caFile string
	dir    string
	serial int64
}

func newPKI(dir string) (*pki, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ci-authz e2e CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, _ := x509.ParseCertificate(der)
	p := &pki{caCert: cert, caKey: key, caFile: filepath.Join(dir, "ca.pem"), dir: dir, serial: 1}
	return p, writePEM(p.caFile, "CERTIFICATE", der)
}

// issue writes <name>-cert.pem and <name>-key.pem for CN cn.
func (p *pki) issue(name, cn string, server bool) (certFiles, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return certFiles{}, err
	}
	p.serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(p.serial),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
		tmpl.DNSNames = []string{"localhost"}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.caCert, &key.PublicKey, p.caKey)
	if err != nil {
		return certFiles{}, err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return certFiles{}, err
	}
	cf := certFiles{ca: p.caFile, cert: filepath.Join(p.dir, name+"-cert.pem"), key: filepath.Join(p.dir, name+"-key.pem")}
	if err := writePEM(cf.cert, "CERTIFICATE", der); err != nil {
		return cf, err
	}
	return cf, writePEM(cf.key, "EC PRIVATE KEY", kb)
}

func writePEM(path, typ string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

var (
	tlsOnce sync.Once
	tlsD    *daemon
	tlsP    *authzPlugin
	tlsCli  map[string]certFiles // by CN
	tlsErr  error
)

const exceptionPolicy = `mode: enforce
exceptions:
  - users: [ci-admin]
    rules: [privileged]
`

func tlsEnv(t *testing.T) (*daemon, *authzPlugin, map[string]certFiles) {
	t.Helper()
	tlsOnce.Do(func() {
		tlsErr = func() error {
			pk, err := newPKI(filepath.Join(work, "pki"))
			if err != nil {
				return err
			}
			srv, err := pk.issue("server", "dockerd", true)
			if err != nil {
				return err
			}
			tlsCli = map[string]certFiles{}
			for _, cn := range []string{"ci-admin", "someone-else"} {
				if tlsCli[cn], err = pk.issue(cn, cn, false); err != nil {
					return err
				}
			}
			f := filepath.Join(work, "tls-policy.yaml")
			if err := os.WriteFile(f, []byte(exceptionPolicy), 0o644); err != nil {
				return err
			}
			if tlsP, err = startPlugin(uniq("tls"), f, nil); err != nil {
				return err
			}
			var lastErr error
			for attempt := 0; attempt < 3; attempt++ { // the free port can be taken in between
				port, err := freePort()
				if err != nil {
					return err
				}
				tlsD, lastErr = startDaemon(fmt.Sprintf("tls%d", attempt), []string{tlsP.name},
					"--tlsverify", "--tlscacert", pk.caFile, "--tlscert", srv.cert, "--tlskey", srv.key,
					"-H", fmt.Sprintf("tcp://127.0.0.1:%d", port))
				if lastErr == nil {
					tlsD.tcp = fmt.Sprintf("127.0.0.1:%d", port)
					return nil
				}
			}
			return lastErr
		}()
	})
	if tlsErr != nil {
		t.Fatalf("TLS daemon: %v", tlsErr)
	}
	dumpOnFailure(t, tlsD, tlsP)
	return tlsD, tlsP, tlsCli
}

func (d *daemon) dockerTLS(c certFiles, args ...string) cliResult {
	return runDocker([]string{"--tlsverify", "--tlscacert", c.ca, "--tlscert", c.cert, "--tlskey", c.key, "-H", "tcp://" + d.tcp}, nil, args...)
}

func TestTLSExceptions(t *testing.T) {
	d, p, certs := tlsEnv(t)
	admin, other := certs["ci-admin"], certs["someone-else"]

	t.Run("ci-admin privileged allowed", func(t *testing.T) {
		name := uniq("tls-admin")
		r := d.dockerTLS(admin, "create", "--name", name, "--privileged", image, "true")
		wantOK(t, r)
		defer d.dockerTLS(admin, "rm", "-f", name)
		e := p.waitLog(t, 0, 10*time.Second, "decision=allow rule=privileged user=ci-admin", func(e logEntry) bool {
			return decisionIs("allow", "privileged")(e) && e.s("user") == "ci-admin" && e.s("container") == name
		})
		if e.s("authMethod") != "TLS" {
			t.Errorf("want authMethod TLS on the exception line: %v", e)
		}
	})
	t.Run("ci-admin still bound by the other rules", func(t *testing.T) {
		wantDeniedCLI(t, d.dockerTLS(admin, "create", "--cap-add", "SYS_ADMIN", image, "true"), p.name, "capabilities")
		wantDeniedCLI(t, d.dockerTLS(admin, "create", "-v", "/var/run/docker.sock:/s", image, "true"), p.name, "hostSockets")
	})
	t.Run("ci-admin runs normally", func(t *testing.T) {
		r := d.dockerTLS(admin, "run", "--rm", image, "echo", "tls-ok")
		wantOK(t, r)
		if r.stdout != "tls-ok\n" {
			t.Errorf("want tls-ok, got %q", r.stdout)
		}
	})
	t.Run("someone-else privileged denied", func(t *testing.T) {
		wantDeniedCLI(t, d.dockerTLS(other, "create", "--privileged", image, "true"), p.name, "privileged", "BuildKit")
		e := p.waitLog(t, 0, 10*time.Second, "decision=deny user=someone-else", func(e logEntry) bool {
			return decisionIs("deny", "privileged")(e) && e.s("user") == "someone-else"
		})
		if e.s("authMethod") != "TLS" {
			t.Errorf("want authMethod TLS: %v", e)
		}
	})
	t.Run("unix socket privileged denied", func(t *testing.T) {
		wantDeniedCLI(t, d.docker("create", "--privileged", image, "true"), p.name, "privileged")
	})
	t.Run("raw API over TLS", func(t *testing.T) {
		for cn, want := range map[string]int{"ci-admin": http.StatusCreated, "someone-else": http.StatusForbidden} {
			kp, err := tls.LoadX509KeyPair(certs[cn].cert, certs[cn].key)
			if err != nil {
				t.Fatal(err)
			}
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM([]byte(readFile(certs[cn].ca)))
			c := tlsAPI(d.tcp, &tls.Config{Certificates: []tls.Certificate{kp}, RootCAs: pool})
			name := uniq("tls-raw")
			r := c.create(t, d.api+"/containers/create?name="+name, fmt.Sprintf(`{"image":%q,"cmd":["true"],"hostconfig":{"privileged":true}}`, image))
			if r.status != want {
				t.Errorf("%s: want HTTP %d, got %s", cn, want, r)
			}
			if r.status == http.StatusCreated {
				c.remove(t, d.api, name)
			}
		}
	})
	t.Run("no client certificate refused", func(t *testing.T) {
		r := runDocker([]string{"--tls", "--tlscacert", admin.ca, "-H", "tcp://" + d.tcp}, nil, "version", "--format", "{{.Server.Version}}")
		if r.code == 0 {
			t.Errorf("a client without a certificate reached the --tlsverify daemon: %s", r)
		}
	})
}
