package dockercli

import (
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"

	"github.com/moby/moby/api/types/mount"
)

// parseMount reads a --mount value like the CLI's MountOpt.Set (opts/mount.go):
// CSV fields key=value with case-insensitive keys, type volume by default.
// Options that grant nothing (sizes, labels, consistency) are accepted and
// dropped; unknown keys are an error, as in the CLI.
func parseMount(value string) (mount.Mount, error) {
	fields, err := csv.NewReader(strings.NewReader(value)).Read()
	if err != nil {
		return mount.Mount{}, err
	}
	m := mount.Mount{Type: mount.TypeVolume}
	driver := func() *mount.Driver {
		if m.VolumeOptions == nil {
			m.VolumeOptions = &mount.VolumeOptions{}
		}
		if m.VolumeOptions.DriverConfig == nil {
			m.VolumeOptions.DriverConfig = &mount.Driver{}
		}
		return m.VolumeOptions.DriverConfig
	}
	for _, field := range fields {
		key, val, ok := strings.Cut(field, "=")
		key = strings.ToLower(key)
		if !ok {
			switch key {
			case "readonly", "ro":
				m.ReadOnly = true
			case "volume-nocopy", "bind-nonrecursive":
			default:
				return mount.Mount{}, fmt.Errorf("invalid field '%s' must be a key=value pair", field)
			}
			continue
		}
		switch key {
		case "type":
			m.Type = mount.Type(strings.ToLower(val))
		case "source", "src":
			m.Source = val
		case "target", "dst", "destination":
			m.Target = val
		case "readonly", "ro":
			if m.ReadOnly, err = strconv.ParseBool(val); err != nil {
				return mount.Mount{}, fmt.Errorf("invalid value for %s: %s", key, val)
			}
		case "volume-driver":
			driver().Name = val
		case "volume-opt":
			d := driver()
			if d.Options == nil {
				d.Options = map[string]string{}
			}
			if k, v, _ := strings.Cut(val, "="); k != "" {
				d.Options[k] = v
			}
		case "volume-subpath":
			if m.VolumeOptions == nil {
				m.VolumeOptions = &mount.VolumeOptions{}
			}
			m.VolumeOptions.Subpath = val
		case "bind-propagation":
			if m.BindOptions == nil {
				m.BindOptions = &mount.BindOptions{}
			}
			m.BindOptions.Propagation = mount.Propagation(strings.ToLower(val))
		case "consistency", "bind-nonrecursive", "bind-recursive", "volume-nocopy", "volume-label",
			"image-subpath", "tmpfs-size", "tmpfs-mode":
		default:
			return mount.Mount{}, fmt.Errorf("unexpected key '%s' in '%s'", key, field)
		}
	}
	if m.Target == "" {
		return mount.Mount{}, fmt.Errorf("target is required")
	}
	return m, nil
}
