package experiments

import "strings"

// ParseSeatsForTest reads a seats file's text.
func ParseSeatsForTest(path, text string) ([]Seat, error) {
	return parseSeats(path, strings.NewReader(text))
}
