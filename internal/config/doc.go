// Package config reads vitro's configuration file, whose keys follow
// Docker's daemon.json, and refuses unknown keys and bad values with an
// error that names the key and the value.
package config
