package openai

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"
)

// Defaults for the zero fields of a Config.
const (
	// DefaultBaseURL is OpenAI's own API.
	DefaultBaseURL = "https://api.openai.com/v1"
	// DefaultBatchSize is how many texts go into one request.
	DefaultBatchSize = 96
	// DefaultMaxRetries is how many times a failed request is retried.
	DefaultMaxRetries = 5
	// DefaultTimeout bounds one request, not a whole Embed call.
	DefaultTimeout = 30 * time.Second
)

// MaxBatchSize is the most texts OpenAI accepts in one request.
const MaxBatchSize = 2048

// Config says which endpoint and model to embed with. The zero value of
// every field but Model (and, for OpenAI and Azure, APIKey) means its
// documented default. Build it from flags and environment variables; the
// API key only from the environment.
type Config struct {
	// BaseURL is the endpoint, up to but excluding "/embeddings":
	// "https://api.openai.com/v1" (the default), "http://localhost:11434/v1"
	// for Ollama, "http://host:8000/v1" for vLLM or LocalAI. For Azure it is
	// the resource endpoint, "https://NAME.openai.azure.com".
	BaseURL string

	// APIKey is sent as "Authorization: Bearer KEY", or as the "api-key"
	// header for Azure. It is required by OpenAI and Azure; local servers
	// usually need none. It is a secret: the package never logs it and
	// removes it from error messages, and Config's String, GoString and
	// LogValue print "[redacted]" in its place.
	APIKey string

	// Model is the embedding model, such as "text-embedding-3-small", or
	// for Azure the name of the deployment. Required.
	Model string

	// Dimensions asks the model for vectors of this length (the request's
	// "dimensions"; only text-embedding-3 and later models honour it).
	// 0 means the model's own length, learnt from the first response.
	Dimensions int

	// BatchSize is how many texts go into one request: default 96, at most
	// MaxBatchSize.
	BatchSize int

	// MaxRetries is how many times a request that failed with 408, 429, a
	// 5xx status, a timeout or a dropped connection is retried before Embed
	// gives up: default 5; a negative value means never.
	MaxRetries int

	// Timeout bounds each attempt at a request, each retry getting its
	// own: default 30s. An attempt that times out is retried.
	Timeout time.Duration

	// AzureAPIVersion, when set, selects Azure OpenAI with this API
	// version (such as "2024-02-01"): requests go to
	// BaseURL/openai/deployments/Model/embeddings?api-version=AzureAPIVersion
	// and carry the key in the "api-key" header.
	AzureAPIVersion string

	// Organization, when set, is sent as the "OpenAI-Organization" header.
	Organization string
}

// withDefaults returns c with its zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = DefaultMaxRetries
	} else if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// Validate reports the first field of c, after defaults, that cannot
// work, naming it. It makes no request.
func (c Config) Validate() error {
	c = c.withDefaults()
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("openai: config: BaseURL %q is not an http(s) URL", redactURL(c.BaseURL))
	}
	if u.User != nil {
		return errors.New("openai: config: BaseURL must not hold credentials; set APIKey")
	}
	if c.Model == "" {
		return errors.New("openai: config: Model is empty")
	}
	if c.Dimensions < 0 {
		return fmt.Errorf("openai: config: Dimensions is %d, want 0 (model default) or more", c.Dimensions)
	}
	if c.BatchSize < 0 || c.BatchSize > MaxBatchSize {
		return fmt.Errorf("openai: config: BatchSize is %d, want 1 to %d (0 means %d)", c.BatchSize, MaxBatchSize, DefaultBatchSize)
	}
	if c.Timeout < 0 {
		return fmt.Errorf("openai: config: Timeout is %s, want more than 0 (0 means %s)", c.Timeout, DefaultTimeout)
	}
	if c.AzureAPIVersion != "" {
		if c.BaseURL == DefaultBaseURL {
			return errors.New("openai: config: BaseURL must be the Azure resource endpoint when AzureAPIVersion is set")
		}
		if c.APIKey == "" {
			return errors.New("openai: config: APIKey is empty; Azure OpenAI requires one")
		}
		if !validDeployment(c.Model) {
			return fmt.Errorf("openai: config: Model %q is not an Azure deployment name (letters, digits, '-', '_', '.')", c.Model)
		}
	} else if u.Host == "api.openai.com" && c.APIKey == "" {
		return errors.New("openai: config: APIKey is empty; api.openai.com requires one")
	}
	return nil
}

// validDeployment reports whether name can be an Azure deployment name and
// so be put in a URL path as it is.
func validDeployment(name string) bool {
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
		default:
			return false
		}
	}
	return name != ""
}

// redactURL returns raw with any password replaced, or raw as it is when it
// does not parse.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}

// String describes c with the API key replaced by "[redacted]" (or
// "[none]" when empty).
func (c Config) String() string {
	return fmt.Sprintf("{BaseURL:%s APIKey:%s Model:%s Dimensions:%d BatchSize:%d MaxRetries:%d Timeout:%s AzureAPIVersion:%s Organization:%s}",
		redactURL(c.BaseURL), c.keyState(), c.Model, c.Dimensions, c.BatchSize, c.MaxRetries, c.Timeout, c.AzureAPIVersion, c.Organization)
}

// GoString is String, so that %#v does not print the key either.
func (c Config) GoString() string { return "openai.Config" + c.String() }

// LogValue makes slog print c without its key.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", redactURL(c.BaseURL)),
		slog.String("api_key", c.keyState()),
		slog.String("model", c.Model),
		slog.Int("dimensions", c.Dimensions),
		slog.Int("batch_size", c.BatchSize),
		slog.Int("max_retries", c.MaxRetries),
		slog.Duration("timeout", c.Timeout),
		slog.String("azure_api_version", c.AzureAPIVersion),
		slog.String("organization", c.Organization),
	)
}

func (c Config) keyState() string {
	if c.APIKey == "" {
		return "[none]"
	}
	return "[redacted]"
}
