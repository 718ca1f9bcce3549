package rowenc

import (
	"bytes"
	"io"
)

func bytesReader(p []byte) io.Reader { return bytes.NewReader(p) }
