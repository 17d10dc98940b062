package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/ci-authz/ci-authz/internal/hostsetup"
)

func init() {
	register("install", "install the managed plugin and make dockerd use it (root)", func(args []string) int {
		return runHostSetup("install", args)
	})
	register("uninstall", "make dockerd stop using the plugin, then remove it (root)", func(args []string) int {
		return runHostSetup("uninstall", args)
	})
}

func runHostSetup(name string, args []string) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	var o hostsetup.Options
	fs.StringVar(&o.DaemonConfig, "daemon-config", hostsetup.DefaultDaemonConfig, "dockerd's configuration file (daemon.json)")
	fs.StringVar(&o.Pidfile, "pidfile", hostsetup.DefaultPidfile, "dockerd's pidfile, to send it SIGHUP")
	fs.IntVar(&o.Pid, "pid", 0, "dockerd's pid (overrides --pidfile)")
	fs.StringVar(&o.Host, "host", "", "docker API host for the docker CLI (default $DOCKER_HOST, else "+hostsetup.DefaultHost+")")
	fs.StringVar(&o.Name, "name", hostsetup.DefaultName, "plugin name")
	fs.StringVar(&o.Docker, "docker", "docker", "docker CLI")
	if name == "install" {
		fs.StringVar(&o.PluginDir, "plugin-dir", hostsetup.DefaultPluginDir, "managed-plugin `dir`ectory made by 'make plugin' (config.json + rootfs); used if the plugin is not installed yet")
	} else {
		fs.StringVar(&o.PluginDir, "plugin-dir", hostsetup.DefaultPluginDir, "ignored (accepted so that install and uninstall take the same options)")
		fs.BoolVar(&o.KeepPlugin, "keep-plugin", false, "disable the plugin but do not remove it (to change its settings with 'docker plugin set', then run install again)")
	}
	fs.Usage = func() {
		out := fs.Output()
		if name == "install" {
			fmt.Fprint(out, `usage: ci-authz install [options]

Creates and enables the managed plugin (unless it already is), checks that it
answers, adds it to authorization-plugins in daemon.json (with a backup) and
reloads dockerd with SIGHUP. Creates /etc/ci-authz if it is missing and never
touches a policy in it. Running it again changes nothing.

`)
		} else {
			fmt.Fprint(out, `usage: ci-authz uninstall [options]

Removes the plugin from authorization-plugins in daemon.json (with a backup),
reloads dockerd and waits until it no longer uses the plugin; only then
disables and removes the plugin. Keeps /etc/ci-authz. Harmless if ci-authz is
not installed.

`)
		}
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "ci-authz %s: unexpected argument %q\n", name, fs.Arg(0))
		return 2
	}
	o.Out = os.Stdout

	// Ctrl-C stops waiting; every step leaves the host in a consistent state.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	run := hostsetup.Install
	if name == "uninstall" {
		run = hostsetup.Uninstall
	}
	if err := run(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "ci-authz %s: %v\n", name, err)
		return 1
	}
	return 0
}
