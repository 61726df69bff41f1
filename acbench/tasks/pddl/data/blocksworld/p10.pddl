(define (problem blocksworld-p10)
  (:domain blocksworld)
  (:objects b1 b2 b3 b4 - block)
  (:init
    (arm-empty)
    (on-table b3)
    (on b4 b3)
    (on b1 b4)
    (on b2 b1)
    (clear b2))
  (:goal
    (and
      (on b3 b2))))
