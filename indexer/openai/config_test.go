package openai

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	valid := Config{BaseURL: "http://localhost:11434/v1", Model: "nomic-embed-text"}
	for _, tc := range []struct {
		name    string
		edit    func(*Config)
		wantErr string // "" for valid
	}{
		{"local server without key", func(*Config) {}, ""},
		{"OpenAI with key", func(c *Config) { c.BaseURL, c.APIKey = "", "sk-x" }, ""},
		{"OpenAI without key", func(c *Config) { c.BaseURL = "" }, "APIKey is empty"},
		{"no model", func(c *Config) { c.Model = "" }, "Model is empty"},
		{"base URL not http", func(c *Config) { c.BaseURL = "localhost:11434" }, "BaseURL"},
		{"base URL without host", func(c *Config) { c.BaseURL = "http:///v1" }, "BaseURL"},
		{"base URL with credentials", func(c *Config) { c.BaseURL = "https://user:hunter2@example.com/v1" }, "BaseURL must not hold credentials"},
		{"negative dimensions", func(c *Config) { c.Dimensions = -1 }, "Dimensions"},
		{"negative batch size", func(c *Config) { c.BatchSize = -1 }, "BatchSize"},
		{"batch too large", func(c *Config) { c.BatchSize = 5000 }, "BatchSize"},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, "Timeout"},
		{"negative retries mean none", func(c *Config) { c.MaxRetries = -1 }, ""},
		{"Azure", func(c *Config) {
			c.BaseURL, c.APIKey, c.Model, c.AzureAPIVersion = "https://sift.openai.azure.com", "k", "embed-3", "2024-02-01"
		}, ""},
		{"Azure without endpoint", func(c *Config) { c.BaseURL, c.APIKey, c.AzureAPIVersion = "", "k", "2024-02-01" }, "BaseURL must be the Azure resource endpoint"},
		{"Azure without key", func(c *Config) { c.AzureAPIVersion = "2024-02-01" }, "APIKey is empty"},
		{"Azure bad deployment", func(c *Config) { c.APIKey, c.Model, c.AzureAPIVersion = "k", "a/b", "2024-02-01" }, "Model \"a/b\" is not an Azure deployment name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := valid
			tc.edit(&c)
			err := c.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("Validate() = %v, want an error naming %q", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("Validate() error holds a password: %v", err)
			}
			if _, nerr := New(c, nil); (nerr == nil) != (err == nil) {
				t.Errorf("New error %v, Validate error %v", nerr, err)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	c := Config{Model: "m"}.withDefaults()
	want := Config{Model: "m", BaseURL: DefaultBaseURL, BatchSize: 96, MaxRetries: 5, Timeout: 30 * time.Second}
	if c != want {
		t.Errorf("defaults %+v, want %+v", c, want)
	}
	if got := (Config{Model: "m", MaxRetries: -1}).withDefaults().MaxRetries; got != 0 {
		t.Errorf("MaxRetries -1 became %d, want 0", got)
	}
}

func TestConfigHidesKey(t *testing.T) {
	c := Config{APIKey: testKey, Model: "text-embedding-3-small", BaseURL: "https://u:hunter2@example.com/v1"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "config", c)
	for _, s := range []string{
		c.String(), fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), fmt.Sprint(&c), logs.String(),
	} {
		if strings.Contains(s, testKey) || strings.Contains(s, "hunter2") {
			t.Errorf("%s holds a secret", s)
		}
		if !strings.Contains(s, "text-embedding-3-small") {
			t.Errorf("%s does not describe the config", s)
		}
	}
}
