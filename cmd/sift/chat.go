package main

import (
	"cmp"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/indexer/openai"
)

// chatFlags configure generative answers: an OpenAI-compatible chat
// endpoint. The key comes from $SIFT_CHAT_API_KEY (or
// $SIFT_OPENAI_API_KEY) only, never from a flag, so it stays out of
// process listings and shell histories.
type chatFlags struct {
	model, baseURL, azureVersion string
	timeout                      time.Duration
}

func (c *chatFlags) register(f *flagSet) {
	f.StringVar(&c.model, "chat-model", "", "chat model for generative answers (gpt-4o-mini, llama3.1:8b; for Azure the deployment); empty: extractive answers only. Key in $SIFT_CHAT_API_KEY or $SIFT_OPENAI_API_KEY")
	f.StringVar(&c.baseURL, "chat-url", openai.DefaultBaseURL, "OpenAI-compatible endpoint for generative answers, up to /chat/completions (Ollama: http://localhost:11434/v1)")
	f.StringVar(&c.azureVersion, "chat-azure-api-version", "", "Azure OpenAI API version (2024-06-01); set for an Azure endpoint")
	f.DurationVar(&c.timeout, "chat-timeout", 10*time.Second, "how long a generative answer may take before the extractive one is given instead")
}

// use gives eng a chat model when --chat-model is set.
func (c *chatFlags) use(eng *engine.Engine, log *slog.Logger) error {
	if c.model == "" {
		return nil
	}
	if c.timeout <= 0 {
		return fmt.Errorf("--chat-timeout: must be more than 0, got %s", c.timeout)
	}
	chat, err := openai.NewChat(openai.ChatConfig{
		BaseURL: c.baseURL, Model: c.model, Timeout: c.timeout, AzureAPIVersion: c.azureVersion,
		APIKey: cmp.Or(os.Getenv("SIFT_CHAT_API_KEY"), os.Getenv("SIFT_OPENAI_API_KEY")),
	}, log)
	if err != nil {
		return fmt.Errorf("--chat-model: %w", err)
	}
	eng.UseChat(chat, c.timeout)
	log.Info("generative answers", "model", c.model, "timeout", c.timeout)
	return nil
}
