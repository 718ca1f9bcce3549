// Package pgerr defines the error type every layer returns when a client
// should see a PostgreSQL SQLSTATE. The server turns an *Error into an
// ErrorResponse; any other error reaches the client as XX000 (internal).
package pgerr

import (
	"context"
	"errors"
	"fmt"
)

// SQLSTATE codes used across Conflux (PostgreSQL Appendix A).
const (
	SuccessfulCompletion         = "00000"
	Warning                      = "01000"
	FeatureNotSupported          = "0A000"
	InvalidParameterValue        = "22023"
	NumericValueOutOfRange       = "22003"
	DivisionByZero               = "22012"
	InvalidTextRepresentation    = "22P02"
	InvalidBinaryRepresentation  = "22P03"
	StringDataRightTruncation    = "22001"
	InvalidDatetimeFormat        = "22007"
	DatetimeFieldOverflow        = "22008"
	InvalidEscapeSequence        = "22025"
	InvalidRegularExpression     = "2201B"
	ArraySubscriptError          = "2202E"
	CharacterNotInRepertoire     = "22021"
	NullValueNotAllowed          = "22004"
	InvalidParameterType         = "22023"
	DataException                = "22000"
	CardinalityViolation         = "21000"
	IntegrityConstraintViolation = "23000"
	NotNullViolation             = "23502"
	ForeignKeyViolation          = "23503"
	UniqueViolation              = "23505"
	CheckViolation               = "23514"
	InvalidTransactionState      = "25000"
	ActiveSQLTransaction         = "25001"
	NoActiveSQLTransaction       = "25P01"
	InFailedSQLTransaction       = "25P02"
	ReadOnlySQLTransaction       = "25006"
	InvalidAuthorization         = "28000"
	InvalidPassword              = "28P01"
	InvalidCursorName            = "34000"
	InvalidSQLStatementName      = "26000"
	SerializationFailure         = "40001"
	DeadlockDetected             = "40P01"
	SyntaxError                  = "42601"
	InsufficientPrivilege        = "42501"
	UndefinedColumn              = "42703"
	UndefinedFunction            = "42883"
	UndefinedTable               = "42P01"
	UndefinedObject              = "42704"
	UndefinedSchema              = "3F000"
	UndefinedParameter           = "42P02"
	DuplicateColumn              = "42701"
	DuplicateTable               = "42P07"
	DuplicateObject              = "42710"
	DuplicateSchema              = "42P06"
	DuplicatePreparedStatement   = "42P05"
	DuplicateCursor              = "42P03"
	DuplicateAlias               = "42712"
	AmbiguousColumn              = "42702"
	AmbiguousFunction            = "42725"
	AmbiguousParameter           = "42P08"
	DatatypeMismatch             = "42804"
	WrongObjectType              = "42809"
	InvalidColumnReference       = "42P10"
	GroupingError                = "42803"
	WindowingError               = "42P20"
	InvalidRecursion             = "42P19"
	CannotCoerce                 = "42846"
	InvalidTableDefinition       = "42P16"
	InvalidColumnDefinition      = "42611"
	InvalidObjectDefinition      = "42P17"
	InvalidSchemaName            = "3F000"
	DependentObjectsStillExist   = "2BP01"
	ObjectNotInPrerequisiteState = "55000"
	LockNotAvailable             = "55P03"
	QueryCanceled                = "57014"
	AdminShutdown                = "57P01"
	ProtocolViolation            = "08P01"
	ConnectionException          = "08000"
	ProgramLimitExceeded         = "54000"
	TooManyColumns               = "54011"
	OutOfMemory                  = "53200"
	DiskFull                     = "53100"
	ConfigFileError              = "F0000"
	IOError                      = "58030"
	UndefinedFile                = "58P01"
	BadCopyFileFormat            = "22P04"
	InvalidName                  = "42602"
	InternalError                = "XX000"
	DataCorrupted                = "XX001"
	UndefinedPreparedStatement   = "26000"
	InvalidCatalogName           = "3D000"
	InvalidRoleSpecification     = "0P000"
	InvalidEscapeCharacter       = "22019"
	InvalidDatetimeFormatTZ      = "22009"
	InvalidPrecedingFollowing    = "22013"
	InvalidRowCountInLimit       = "2201W"
	InvalidRowCountInOffset      = "2201X"
	ZeroLengthCharacterString    = "2200F"
	MostSpecificTypeMismatch     = "2200G"
	InvalidJSONText              = "22032"
	SQLJSONScalarRequired        = "2203F"
	IndeterminateDatatype        = "42P18"
	ReservedName                 = "42939"
	// Warnings GRANT/REVOKE send when nothing (or not all) was granted or revoked.
	PrivilegeNotRevoked = "01006"
	PrivilegeNotGranted = "01007"
	// InvalidGrantOperation: granting a role to itself, or in a loop.
	InvalidGrantOperation           = "0LP01"
	IdleInTransactionSessionTimeout = "25P03"
	InvalidCursorDefinition         = "42P11"
	ObjectInUse                     = "55006"
	CantChangeRuntimeParam          = "55P02"
)

// Error is an error with a SQLSTATE, as sent in an ErrorResponse.
type Error struct {
	Code     string
	Message  string
	Detail   string
	Hint     string
	Position int32  // 1-based character offset into the statement, 0 if unknown
	Severity string // "ERROR" unless set ("FATAL" for connection-ending errors)
	// Constraint, Table, Column name the object involved, like PostgreSQL's fields.
	Table      string
	Column     string
	Constraint string
}

func (e *Error) Error() string { return e.Message }

// New returns an *Error with the given SQLSTATE and message.
func New(code, format string, args ...any) *Error {
	if len(args) == 0 {
		return &Error{Code: code, Message: format}
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithDetail sets Detail and returns e.
func (e *Error) WithDetail(format string, args ...any) *Error {
	e.Detail = fmt.Sprintf(format, args...)
	return e
}

// WithHint sets Hint and returns e.
func (e *Error) WithHint(format string, args ...any) *Error {
	e.Hint = fmt.Sprintf(format, args...)
	return e
}

// WithPosition sets Position and returns e.
func (e *Error) WithPosition(pos int32) *Error {
	e.Position = pos
	return e
}

// Unsupported returns a 0A000 error naming the feature.
func Unsupported(feature string) *Error {
	return New(FeatureNotSupported, "%s is not supported", feature)
}

// Code extracts the SQLSTATE of err: the code of the first *Error in its
// chain, or XX000 (57014 for context cancellation).
func Code(err error) string {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return QueryCanceled
	}
	return InternalError
}

// As returns err as an *Error, wrapping foreign errors as XX000.
func As(err error) *Error {
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	return &Error{Code: InternalError, Message: err.Error()}
}

// SQLState returns the code; drivers and test tools (pgconn-style) look
// for this method.
func (e *Error) SQLState() string { return e.Code }
